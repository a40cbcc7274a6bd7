import { DataSource, type EntityManager, type ObjectLiteral, type Repository } from 'typeorm';

/**
 * Runs SQL and returns its rows. DataSource.query hands back `[rows, count]` for UPDATE and DELETE
 * but plain rows otherwise, so statements with RETURNING go through the structured result instead.
 */
export async function sqlRows<T>(
  executor: DataSource | EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const inTransaction = !(executor instanceof DataSource) && executor.queryRunner !== undefined;
  const runner = inTransaction
    ? (executor as EntityManager).queryRunner!
    : (executor instanceof DataSource ? executor : executor.connection).createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return result.records as T[];
  } finally {
    if (!inTransaction) await runner.release();
  }
}

/**
 * The entity of a row that `RETURNING *` gave back, converted as a SELECT's would be (the driver's
 * hydration: types and column transformers), so a write that needs its row is one statement.
 */
export function hydrateRow<T extends ObjectLiteral>(
  repository: Repository<T>,
  row: Record<string, unknown>,
): T {
  const entity = repository.create();
  const { driver } = repository.manager.connection;
  for (const column of repository.metadata.columns) {
    column.setEntityValue(entity, driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return entity;
}

import { DataSource, type EntityManager } from 'typeorm';

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

import type { DataSource } from 'typeorm';

/**
 * Rows of a statement with RETURNING. DataSource.query answers `[rows, count]` for UPDATE and
 * DELETE, so these go through a query runner's structured result instead.
 */
export async function returningRows<T>(dataSource: DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return (await runner.query(sql, params, true)).records as T[];
  } finally {
    await runner.release();
  }
}

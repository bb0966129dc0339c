import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Plain SQL that always answers rows. (TypeORM's `query` answers `[rows, count]` for UPDATE and DELETE on
 * Postgres; asking for the structured result avoids that trap.)
 */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export function runnerExecutor(runner: QueryRunner): SqlExecutor {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      const result = await runner.query(sql, params, true);
      return result.records as T[];
    },
  };
}

/** Runs `work` in one transaction on its own connection; commits when it resolves, rolls back when it throws. */
export async function inTransaction<T>(dataSource: DataSource, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    try {
      const result = await work(runnerExecutor(runner));
      await runner.commitTransaction();
      return result;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}

/** One statement outside any transaction, on a pooled connection. */
export async function queryOnce<T>(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    return await runnerExecutor(runner).query<T>(sql, params);
  } finally {
    await runner.release();
  }
}

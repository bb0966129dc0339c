import { DataSource } from 'typeorm';
import { SYNC_MIGRATIONS } from './migrations';

export const SYNC_SCHEMA = 'sync';

/** TypeORM without `synchronize`: the `sync` schema changes only through SYNC_MIGRATIONS. */
export function createSyncDataSource(databaseUrl: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema: SYNC_SCHEMA,
    migrations: [...SYNC_MIGRATIONS],
    migrationsTableName: 'sync_migrations',
    migrationsRun: false,
    synchronize: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
  });
}

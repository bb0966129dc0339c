import { DataSource } from 'typeorm';
import { CreatePunches1763769600000 } from './migrations/1763769600000-create-punches';

export const INGEST_SCHEMA = 'ingest';

/** Migrations in order; append only, never edit one that has been merged. */
const MIGRATIONS = [CreatePunches1763769600000];

/** TypeORM without `synchronize`: the schema changes only through the migrations above. */
export function createIngestDataSource(databaseUrl: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema: INGEST_SCHEMA,
    migrations: MIGRATIONS,
    migrationsTableName: 'ingest_migrations',
    migrationsRun: false,
    synchronize: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
  });
}

import { Client } from 'pg';
import { createIsolatedDatabase, testInfra, type IsolatedDatabase } from '@attendance/testing';
import { startSyncCoordinatorInProcess } from './sync-test-harness';

describe('sync-coordinator start-up', () => {
  let db: IsolatedDatabase;

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_boot');
  });
  afterAll(() => db.drop());

  it('applies every registered migration of the sync schema and reports ready', async () => {
    const { app, url } = await startSyncCoordinatorInProcess({ DATABASE_URL: db.url, KAFKA_BROKERS: testInfra().kafkaBrokers.join(',') });
    try {
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sync'");
      await client.end();
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['tenants', 'sites', 'gateways', 'devices', 'employees', 'sync_migrations']));
    } finally {
      await app.close();
    }
  });
});

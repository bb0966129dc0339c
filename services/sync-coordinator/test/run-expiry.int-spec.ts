import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import type { RunReport } from '../src/reconciliation/reconciliation.service';
import { DirectoryFixture } from './edge-sync/directory-fixture';
import { FakeGateway } from './edge-sync/fake-gateway';
import { adminKey, startSyncCoordinatorInProcess } from './sync-test-harness';

describe('reconciliation runs whose gateway never answers', () => {
  const suffix = uniqueSuffix();
  const tenantId = `exp-${suffix}`;
  const serial = `ZK-EXP-${suffix}`;
  const key = adminKey('ops', tenantId);
  let database: IsolatedDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let pg: Client;
  let silent: FakeGateway;

  beforeAll(async () => {
    database = await createIsolatedDatabase('sync_exp');
    ({ app, url } = await startSyncCoordinatorInProcess({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_PUNCH_COUNTS_FROM_BEGINNING: 'false', // the shared broker holds other suites' punches
      SYNC_CONSUMER_GROUP_PREFIX: `sync-exp-${suffix}`,
      SYNC_ADMIN_API_KEYS: key.entry,
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_RECONCILE_SETTLE_SECONDS: '0',
      SYNC_COMMAND_TIMEOUT_SECONDS: '10',
      SYNC_COMMAND_RESULT_GRACE_SECONDS: '0',
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    const directory = new DirectoryFixture(pg);
    await directory.tenantWithSite(tenantId, 'site-x');
    await directory.gateway(tenantId, 'site-x', `gw-exp-${suffix}`);
    await directory.device(tenantId, 'site-x', serial, 'zk-push2', new Date(Date.now() - 3 * 3_600_000));
    // Heartbeats say it reaches the device, but it never reports a result.
    silent = new FakeGateway(`gw-exp-${suffix}`, tenantId, 'site-x', [{ serial, protocol: 'zk-push2', reachable: true }]);
    await silent.start();
  });

  afterAll(async () => {
    await silent?.stop();
    await app?.close();
    await pg?.end();
    await database?.drop();
  });

  it('closes the run as failed with a no-result error once the deadline has passed, and does not move the watermark', async () => {
    const watermark = async () => (await pg.query('SELECT reconciled_up_to FROM sync.device_sync_state WHERE device_serial = $1', [serial])).rows[0]?.reconciled_up_to as Date | undefined;
    const before = await waitFor(watermark, { description: 'the device tracked', timeoutMs: 30_000 });
    const now = Date.now();
    const answer = await fetch(`${url}/api/v1/admin/devices/${serial}/repull`, {
      method: 'POST',
      headers: { 'x-api-key': key.header, 'content-type': 'application/json' },
      body: JSON.stringify({ from: new Date(now - 7_200_000).toISOString(), to: new Date(now - 3_600_000).toISOString() }),
    });
    expect(answer.status).toBe(202);
    const { runId } = (await answer.json()) as { runId: string };
    const report = await waitFor(async () => {
      const body = (await (await fetch(`${url}/api/v1/admin/reconciliation-runs/${runId}`, { headers: { 'x-api-key': key.header } })).json()) as RunReport;
      return body.status !== 'running' ? body : null;
    }, { description: 'the run to be given up', timeoutMs: 60_000 });
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/^no-result/);
    expect(report.commands).toEqual([expect.objectContaining({ type: 'backfill', outcome: 'expired' })]);
    expect(silent.commandsOf('backfill').length).toBeGreaterThanOrEqual(1); // it was sent, just never answered

    const scheduled = await waitFor(async () => {
      const runs = await pg.query("SELECT status, error FROM sync.reconciliation_runs WHERE device_serial = $1 AND trigger = 'schedule'", [serial]);
      return runs.rows.length > 0 && runs.rows[0].status !== 'running' ? runs.rows : null;
    }, { description: 'the scheduled run to be given up too', timeoutMs: 60_000 });
    expect(scheduled).toEqual([{ status: 'failed', error: expect.stringMatching(/^no-result/) }]);
    expect(await watermark()).toEqual(before);
  });
});

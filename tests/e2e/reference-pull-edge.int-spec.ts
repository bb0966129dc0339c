import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { adminKey, httpClient, startSyncCoordinatorInProcess } from '../../services/sync-coordinator/test/sync-test-harness';
import { startGateway } from './in-process-services';

/**
 * Reference data from the real sync-coordinator (Postgres directory, pull API) into the real gateway's SQLite
 * cache, and out through the gateway's local API: names, tombstones, "last synced".
 */
describe('reference data: sync-coordinator directory → gateway cache → local API', () => {
  const tenantId = `tenant-ref-${uniqueSuffix()}`;
  const key = adminKey('admin-ref-e2e', tenantId);
  const adminToken = 'e2e-local-admin-token-0001';
  let db: IsolatedDatabase;
  let dataDir: string;
  let coordinator: NestFastifyApplication;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let local: ReturnType<typeof httpClient>;
  let admin: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers.join(',');
    db = await createIsolatedDatabase('ref_edge');
    const started = await startSyncCoordinatorInProcess({ DATABASE_URL: db.url, KAFKA_BROKERS: brokers, SYNC_ADMIN_API_KEYS: key.entry, SYNC_CONSUMER_GROUP_PREFIX: `sync-ref-${uniqueSuffix()}` });
    coordinator = started.app;
    admin = httpClient(started.url, { 'x-api-key': key.header });
    expect((await admin('PUT', '/api/v1/admin/sites/plant', { name: 'Pune plant', timeZone: 'Asia/Kolkata' })).status).toBeLessThan(300);
    const created = await admin('POST', '/api/v1/admin/gateways', { gatewayId: 'gw-ref-e2e', name: 'Edge', siteId: 'plant' });
    expect(created.status).toBeLessThan(300);
    expect((await admin('PUT', '/api/v1/admin/devices/REFDEV1', { protocol: 'zk-push2', siteId: 'plant', name: 'Canteen door' })).status).toBeLessThan(300);
    for (const [employeeId, code, name] of [['e-1', '101', 'Asha Rao'], ['e-2', '102', 'Ravi Kumar'], ['e-3', '103', 'Meera Iyer']]) {
      expect((await admin('POST', '/api/v1/admin/employees', { employeeId, code, name })).status).toBeLessThan(300);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-ref-e2e-'));
    ({ app: gateway, runtime } = await startGateway({
      KAFKA_BROKERS: brokers,
      GATEWAY_ID: 'gw-ref-e2e',
      TENANT_ID: tenantId,
      SITE_ID: 'plant',
      SITE_TIME_ZONE: 'Asia/Kolkata',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_ADMIN_TOKEN: adminToken,
      SYNC_COORDINATOR_URL: started.url,
      GATEWAY_SYNC_TOKEN: created.body.token,
    }));
    local = httpClient(await gateway.getUrl(), { authorization: `Bearer ${adminToken}` });
  });

  afterAll(async () => {
    await gateway?.close();
    await coordinator?.close();
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('caches the directory on start and shows it as "last synced"', async () => {
    const status = await waitFor(
      async () => {
        const { body } = await local('GET', '/api/v1/reference');
        return body.syncedAt ? body : null;
      },
      { description: 'the first reference pull of the gateway', timeoutMs: 30_000 },
    );
    expect(status).toMatchObject({ configured: true, lastError: null, counts: { sites: 1, devices: 1, employees: 3 } });
    expect(runtime.referenceSync.status().cursor).not.toBe('0');
    const names = (runtime.store.db.prepare('SELECT code, name FROM reference_employee ORDER BY code').all() as { code: string; name: string }[]).map((e) => `${e.code}=${e.name}`);
    expect(names).toEqual(['101=Asha Rao', '102=Ravi Kumar', '103=Meera Iyer']);
    const device = runtime.store.db.prepare('SELECT name, site_id FROM reference_device WHERE serial = ?').get('REFDEV1');
    expect(device).toEqual({ name: 'Canteen door', site_id: 'plant' });
  });

  it('applies a deletion (tombstone) and a rename on refresh, from the stored cursor', async () => {
    const before = runtime.referenceSync.status().cursor;
    expect((await admin('DELETE', '/api/v1/admin/employees/e-1')).status).toBeLessThan(300);
    expect((await admin('PATCH', '/api/v1/admin/employees/e-2', { name: 'Ravi K.' })).status).toBeLessThan(300);
    const refreshed = await local('POST', '/api/v1/reference/refresh');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.result).toMatchObject({ ok: true, changes: 2 });
    expect(BigInt(refreshed.body.status.cursor)).toBeGreaterThan(BigInt(before));
    expect(refreshed.body.status.counts).toMatchObject({ employees: 2 });
    const names = (runtime.store.db.prepare('SELECT code, name FROM reference_employee ORDER BY code').all() as { code: string; name: string }[]).map((e) => `${e.code}=${e.name}`);
    expect(names).toEqual(['102=Ravi K.', '103=Meera Iyer']);
  });
});

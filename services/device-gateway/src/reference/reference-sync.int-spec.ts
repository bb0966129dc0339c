import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '@attendance/observability';
import { waitFor } from '@attendance/testing';
import { Secret } from '../config/secret';
import { EdgeStore } from '../store/edge-store';
import { ReferenceSync } from './reference-sync';
import { FakeSyncCoordinator } from './testing/fake-sync-coordinator';

const TOKEN = 'gateway-sync-token';
const TENANT = 'tenant-ref';
const GATEWAY = 'gw-ref';
const changedAt = '2026-11-30T10:00:00.000Z';

describe(ReferenceSync.name, () => {
  let dir: string;
  let store: EdgeStore;
  let server: FakeSyncCoordinator;
  let sync: ReferenceSync;
  const logger = createRootLogger({ service: 'device-gateway', version: 'test', level: 'silent' });
  const employees = () => store.db.prepare('SELECT employee_id AS id, name FROM reference_employee ORDER BY employee_id').all() as { id: string; name: string }[];
  const newSync = (overrides: Partial<{ token: string; intervalMs: number; retryMinMs: number }> = {}) =>
    new ReferenceSync(
      store,
      { url: server.url, token: new Secret(overrides.token ?? TOKEN, 'test'), tenantId: TENANT, gatewayId: GATEWAY, intervalMs: overrides.intervalMs ?? 3_600_000, retryMinMs: overrides.retryMinMs, pageSize: 3 },
      logger,
    );

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reference-sync-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    server = new FakeSyncCoordinator({ token: TOKEN, tenantId: TENANT, gatewayId: GATEWAY });
    await server.listen();
    sync = newSync();
  });

  afterEach(async () => {
    await sync.stop();
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('follows hasMore across pages with the bearer token and applies sites, devices and employees', async () => {
    server.add({ entity: 'site', op: 'upsert', id: 'site-1', site: { siteId: 'site-1', name: 'Pune plant', timeZone: 'Asia/Kolkata' } });
    server.add({ entity: 'device', op: 'upsert', id: 'DEV1', device: { deviceSerial: 'DEV1', name: 'Gate 1', protocol: 'zk-push2', siteId: 'site-1', timeZoneOverride: null, expectedGatewayId: GATEWAY } });
    for (let i = 1; i <= 6; i++) server.employee(`emp-${i}`, `Employee ${i}`);

    const result = await sync.refresh();
    expect(result).toMatchObject({ ok: true, pages: 3, changes: 8, cursor: '8' });
    expect(server.requests.map((r) => r.since)).toEqual(['0', '3', '6']);
    expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}` && r.limit === 3)).toBe(true);
    const status = sync.status();
    expect(status).toMatchObject({ configured: true, cursor: '8', lastError: null, counts: { sites: 1, devices: 1, employees: 6 } });
    expect(status.syncedAt).toEqual(expect.any(String));
    expect(status.serverTime).toEqual(expect.any(String));
    expect(store.db.prepare('SELECT name, time_zone_override FROM reference_device WHERE serial = ?').get('DEV1')).toEqual({ name: 'Gate 1', time_zone_override: null });

    // Nothing new: one request from the stored cursor, nothing changes.
    server.requests.length = 0;
    expect(await sync.refresh()).toMatchObject({ ok: true, pages: 1, changes: 0, cursor: '8' });
    expect(server.requests.map((r) => r.since)).toEqual(['8']);
  });

  it('removes rows on tombstones and applies later upserts of the same id', async () => {
    server.employee('emp-1', 'Asha');
    server.employee('emp-2', 'Ravi');
    await sync.refresh();
    server.add({ entity: 'employee', op: 'delete', id: 'emp-1' });
    server.employee('emp-2', 'Ravi Kumar');
    server.add({ entity: 'site', op: 'delete', id: 'never-cached' });
    expect(await sync.refresh()).toMatchObject({ ok: true, changes: 3, cursor: '5' });
    expect(employees()).toEqual([{ id: 'emp-2', name: 'Ravi Kumar' }]);
  });

  it('keeps the pages before a failed page, leaves the cursor where they put it, and resumes from there', async () => {
    for (let i = 1; i <= 7; i++) server.employee(`emp-${i}`, `Employee ${i}`);
    server.failAt.set('3', { status: 500, body: { message: 'database unavailable' } });
    const failed = await sync.refresh();
    expect(failed).toMatchObject({ ok: false, pages: 1, changes: 3, cursor: '3' });
    expect((failed as { error: string }).error).toContain('500');
    expect(sync.status()).toMatchObject({ cursor: '3', lastError: expect.stringContaining('database unavailable'), counts: { employees: 3 } });

    server.requests.length = 0;
    expect(await sync.refresh()).toMatchObject({ ok: true, cursor: '7' });
    expect(server.requests.map((r) => r.since)).toEqual(['3', '6']);
    expect(sync.status()).toMatchObject({ cursor: '7', lastError: null, counts: { employees: 7 } });
  });

  const page = (changes: unknown[], extra: Record<string, unknown> = {}) => ({
    tenantId: TENANT,
    gatewayId: GATEWAY,
    changes,
    nextCursor: '9',
    hasMore: false,
    serverTime: new Date().toISOString(),
    ...extra,
  });
  const employeeChange = (id: string, employee: Record<string, unknown>) => ({ cursor: '9', changedAt, entity: 'employee', op: 'upsert', id, employee });
  it.each([
    ['a row that fails the contract', page([employeeChange('emp-9', { employeeId: 'emp-9', code: '9', status: 'active' })]), 'changes.0'],
    ['another tenant\'s page', page([], { tenantId: 'someone-else' }), 'tenant'],
    ['an id that does not match its row', page([employeeChange('emp-9', { employeeId: 'emp-1', code: '9', name: 'X', status: 'active' })]), 'carries the row'],
    ['a cursor that goes backwards', page([], { nextCursor: '1' }), 'behind'],
    ['hasMore without progress', page([], { nextCursor: '2', hasMore: true }), 'hasMore'],
    ['a body that is not JSON', '<html>proxy error</html>', 'not JSON'],
  ])('refuses %s without touching the cache or the cursor', async (_what, body, message) => {
    server.employee('emp-1', 'Asha');
    server.employee('emp-2', 'Ravi');
    await sync.refresh();
    const before = { cursor: sync.status().cursor, rows: employees() };
    server.failAt.set('2', { status: 200, body });
    const result = await sync.refresh();
    expect(result.ok).toBe(false);
    expect((result as { error: string }).error).toContain(message);
    expect({ cursor: sync.status().cursor, rows: employees() }).toEqual(before);
    expect(sync.status().lastError).toContain(message);
  });

  it('reports a refused token as a failure and keeps the cursor', async () => {
    server.employee('emp-1', 'Asha');
    const wrong = newSync({ token: 'not-the-token' });
    const result = await wrong.refresh();
    expect(result).toMatchObject({ ok: false, cursor: '0' });
    expect((result as { error: string }).error).toContain('401');
    expect(employees()).toEqual([]);
  });

  it('shares one run between concurrent refreshes', async () => {
    for (let i = 1; i <= 5; i++) server.employee(`emp-${i}`, `Employee ${i}`);
    const [a, b] = await Promise.all([sync.refresh(), sync.refresh()]);
    expect(a).toBe(b);
    expect(server.requests.map((r) => r.since)).toEqual(['0', '3']);
  });

  it('pulls on start and again on its schedule', async () => {
    server.employee('emp-1', 'Asha');
    const scheduled = newSync({ intervalMs: 50 });
    scheduled.start();
    try {
      await waitFor(() => employees().length === 1, { description: 'the first scheduled pull' });
      server.employee('emp-2', 'Ravi');
      await waitFor(() => employees().length === 2, { description: 'a later scheduled pull' });
    } finally {
      await scheduled.stop();
    }
  });

  it('retries soon after a failed scheduled pull instead of waiting a whole interval (the link came back)', async () => {
    server.employee('emp-1', 'Asha');
    server.failAt.set('0', { status: 503, body: { message: 'uplink down' } });
    const scheduled = newSync({ intervalMs: 3_600_000, retryMinMs: 20 });
    scheduled.start();
    try {
      await waitFor(() => employees().length === 1, { description: 'the retry after the failed first pull', timeoutMs: 20_000 });
      expect(server.requests.map((r) => r.since)).toEqual(['0', '0']);
    } finally {
      await scheduled.stop();
    }
  });

  it('is inert and says so when no pull is configured', async () => {
    const inert = new ReferenceSync(store, null, logger);
    inert.start();
    expect(await inert.refresh()).toMatchObject({ ok: false, error: expect.stringContaining('SYNC_COORDINATOR_URL') });
    expect(inert.status()).toMatchObject({ configured: false, cursor: '0', counts: { employees: 0 } });
    expect(server.requests).toEqual([]);
  });
});

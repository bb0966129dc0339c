import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '@attendance/observability';
import { Secret } from '../config/secret';
import { EdgeStore } from '../store/edge-store';
import { ReferenceSync } from './reference-sync';
import { FakeSyncCoordinator } from './testing/fake-sync-coordinator';

const TOKEN = 'gateway-sync-token';
const TENANT = 'tenant-ref';
const GATEWAY = 'gw-ref';

// `reload-roster {full: true}`: a real HTTP pull server, real on-disk SQLite, and a second SQLite connection
// that reads the cache the way the dashboard does while the reload runs.
describe('ReferenceSync full reload', () => {
  let dir: string;
  let store: EdgeStore;
  let server: FakeSyncCoordinator;
  let sync: ReferenceSync;
  let reader: Database.Database;
  const logger = createRootLogger({ service: 'device-gateway', version: 'test', level: 'silent' });
  const cached = (db: Database.Database = store.db) => ({
    employees: db.prepare('SELECT employee_id AS id, name FROM reference_employee ORDER BY employee_id').all(),
    devices: db.prepare('SELECT serial FROM reference_device ORDER BY serial').all(),
    cursor: (db.prepare('SELECT cursor FROM reference_sync_state').get() as { cursor: string }).cursor,
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reference-reload-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    server = new FakeSyncCoordinator({ token: TOKEN, tenantId: TENANT, gatewayId: GATEWAY });
    await server.listen();
    sync = new ReferenceSync(store, { url: server.url, token: new Secret(TOKEN, 'test'), tenantId: TENANT, gatewayId: GATEWAY, intervalMs: 3_600_000, pageSize: 3 }, logger);
    for (let i = 1; i <= 5; i++) server.employee(`emp-${i}`, `Old ${i}`);
    server.add({ entity: 'device', op: 'upsert', id: 'DEV1', device: { deviceSerial: 'DEV1', name: 'Gate 1', protocol: 'zk-push2', siteId: 'site-1', timeZoneOverride: null, expectedGatewayId: GATEWAY } });
    expect(await sync.refresh()).toMatchObject({ ok: true, cursor: '6' });
    reader = new Database(join(dir, 'gateway.sqlite'), { readonly: true, fileMustExist: true });
  });

  afterEach(async () => {
    reader.close();
    await sync.stop();
    await server.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('re-pulls from cursor 0, drops rows the cloud no longer lists and applies the rest; a delta pull then goes on from its cursor', async () => {
    // Gone from the cloud's log without a tombstone: a delta pull can never learn of it.
    server.forget('emp-2');
    server.forget('DEV1');
    server.employee('emp-3', 'New 3');
    server.employee('emp-6', 'New 6');
    server.requests.length = 0;
    expect(await sync.refresh()).toMatchObject({ ok: true, cursor: '8', removed: 0 });
    expect(cached().employees).toHaveLength(6);

    server.requests.length = 0;
    const result = await sync.refresh({ full: true });
    expect(result).toMatchObject({ ok: true, full: true, pages: 2, changes: 6, removed: 2, cursor: '8' });
    expect(server.requests.map((r) => r.since)).toEqual(['0', '4']);
    expect(cached()).toEqual({
      employees: [
        { id: 'emp-1', name: 'Old 1' },
        { id: 'emp-3', name: 'New 3' },
        { id: 'emp-4', name: 'Old 4' },
        { id: 'emp-5', name: 'Old 5' },
        { id: 'emp-6', name: 'New 6' },
      ],
      devices: [],
      cursor: '8',
    });

    server.employee('emp-7', 'New 7');
    server.requests.length = 0;
    expect(await sync.refresh()).toMatchObject({ ok: true, full: false, changes: 1, cursor: '9' });
    expect(server.requests.map((r) => r.since)).toEqual(['8']);
  });

  it('a reader sees only the old cache until the reload commits; a reload that fails part-way keeps cache and cursor as they were', async () => {
    const before = cached(reader);
    // The cloud's directory was rebuilt: every row has a new version at a new cursor, and emp-5 is gone.
    server.changes.length = 0;
    for (let i = 1; i <= 4; i++) server.employee(`emp-${i}`, `New ${i}`);
    const seenMidReload: unknown[] = [];
    server.beforeReply = () => void seenMidReload.push(cached(reader));

    server.failAt.set('9', { status: 503, body: { message: 'directory busy' } });
    const failed = await sync.refresh({ full: true });
    expect(failed).toMatchObject({ ok: false, full: true, pages: 1, cursor: '6' });
    expect(cached(reader)).toEqual(before);
    expect(sync.status()).toMatchObject({ cursor: '6', lastError: expect.stringContaining('directory busy') });

    seenMidReload.length = 0;
    expect(await sync.refresh({ full: true })).toMatchObject({ ok: true, full: true, pages: 2, removed: 2, cursor: '10' });
    // Asked while each page was being served, i.e. with the pages before it already staged.
    expect(seenMidReload).toEqual([before, before]);
    expect(cached(reader)).toEqual({ employees: [1, 2, 3, 4].map((i) => ({ id: `emp-${i}`, name: `New ${i}` })), devices: [], cursor: '10' });
    expect(sync.status().lastError).toBeNull();
  });

  it('a full reload asked for while a delta pull runs waits for it instead of sharing it', async () => {
    server.employee('emp-6', 'New 6');
    server.forget('emp-1');
    server.requests.length = 0;
    const [delta, full, again] = await Promise.all([sync.refresh(), sync.refresh({ full: true }), sync.refresh({ full: true })]);
    expect(delta).toMatchObject({ ok: true, full: false, cursor: '7' });
    expect(full).toMatchObject({ ok: true, full: true, removed: 1, cursor: '7' });
    expect(again).toBe(full);
    expect(server.requests.map((r) => r.since)).toEqual(['6', '0', '4']);
    expect(cached().employees.map((e) => (e as { id: string }).id)).toEqual(['emp-2', 'emp-3', 'emp-4', 'emp-5', 'emp-6']);
  });
});

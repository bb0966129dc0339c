import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@attendance/testing';
import { FakeSyncCoordinator } from '../reference/testing/fake-sync-coordinator';
import { admsUpload, CONFIGURED, deviceLocalTime, startTestGateway, type TestGateway } from './testing/local-api-test-gateway';

// A running in-process gateway (see startTestGateway): real SQLite, real HTTP, the site offline.
const TOKEN = 'local-admin-token-0123456789';
const STRANGER = 'STRANGER01';
type Gateway = TestGateway;
const startGateway = (dataDir: string, env: Record<string, string> = {}, alsoConfigured: string[] = []) => startTestGateway(dataDir, env, process.env.TEST_LOG_LEVEL, alsoConfigured);
const upload = admsUpload;

const auth = { authorization: `Bearer ${TOKEN}` };

// Response bodies are read loosely here; their shapes are what the assertions check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

async function getJson(url: string, headers: Record<string, string> = auth): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.json() };
}

describe('local API', () => {
  let dataDir: string;
  let gateway: Gateway;
  const cloud = new FakeSyncCoordinator({ token: 'sync-token-of-gw-api', tenantId: 'tenant-api', gatewayId: 'gw-api' });
  const fullEnv = () => ({ GATEWAY_ADMIN_TOKEN: TOKEN, SYNC_COORDINATOR_URL: cloud.url, GATEWAY_SYNC_TOKEN: 'sync-token-of-gw-api' });
  const sql = <T>(query: string, ...args: unknown[]): T => gateway.runtime.store.db.prepare(query).get(...args) as T;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-api-'));
    await cloud.listen();
    cloud.add({ entity: 'site', op: 'upsert', id: 'site-1', site: { siteId: 'site-1', name: 'Pune plant', timeZone: 'Asia/Kolkata' } });
    cloud.employee('emp-8', 'Ravi Kumar', '8');
    gateway = await startGateway(dataDir, fullEnv());
    // The names in the device views below come from this first pull.
    await waitFor(() => gateway.runtime.referenceSync.status().syncedAt, { description: 'the reference pull on start' });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await cloud.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('auth', () => {
    it('answers 401 without a token and with a wrong one; health and metrics stay open', async () => {
      expect((await getJson(`${gateway.api}/api/v1/devices`, {})).status).toBe(401);
      const wrong = await getJson(`${gateway.api}/api/v1/devices`, { authorization: `Bearer ${TOKEN}x` });
      expect(wrong).toMatchObject({ status: 401, body: { message: 'wrong admin token' } });
      expect((await getJson(`${gateway.api}/api/v1/backlog`, { authorization: 'Basic abc' })).status).toBe(401);
      expect((await fetch(`${gateway.api}/health/live`)).status).toBe(200);
      expect((await fetch(`${gateway.api}/metrics`)).status).toBe(200);
      expect((await getJson(`${gateway.api}/api/v1/devices`)).status).toBe(200);
    });

    it('answers 503 naming GATEWAY_ADMIN_TOKEN when no token is configured', async () => {
      const otherDir = mkdtempSync(join(tmpdir(), 'gateway-api-notoken-'));
      const open = await startGateway(otherDir);
      try {
        const answer = await getJson(`${open.api}/api/v1/quarantine`, auth);
        expect(answer.status).toBe(503);
        expect(answer.body.message).toContain('set GATEWAY_ADMIN_TOKEN');
        expect((await fetch(`${open.api}/health/live`)).status).toBe(200);
      } finally {
        await open.app.close();
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });

  describe('devices and approval', () => {
    const strangerBatch = ['7\t2024-06-01 08:00:00\t0\t1', '8\t2024-06-01 08:01:00\t1\t1', 'no-time-here'].join('\n') + '\n';
    const outboxOf = (serial: string) => sql<{ n: number }>('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?', serial).n;

    it('lists the configured device and a pending stranger whose data is kept raw', async () => {
      expect(await upload(gateway, STRANGER, strangerBatch, '41')).toBe('OK: 3');
      const { status, body } = await getJson(`${gateway.api}/api/v1/devices`);
      expect(status).toBe(200);
      const bySerial = new Map(body.items.map((d: { serial: string }) => [d.serial, d]));
      expect(bySerial.get(CONFIGURED)).toMatchObject({ name: 'Front door', configured: true, seen: false, status: 'approved', timeZone: 'Asia/Kolkata', lastContactAt: null });
      expect(bySerial.get(STRANGER)).toMatchObject({ configured: false, seen: true, status: 'pending', protocol: 'zk-push2', pendingRequests: 1, timeZone: null, backlog: { unsent: 0 } });
      expect((bySerial.get(STRANGER) as { lastContactAt: string }).lastContactAt).toEqual(expect.any(String));
      const pending = await getJson(`${gateway.api}/api/v1/devices/pending`);
      expect(pending.body.items.map((d: { serial: string }) => d.serial)).toEqual([STRANGER]);
      const filtered = await getJson(`${gateway.api}/api/v1/devices?status=pending`);
      expect(filtered.body.items.map((d: { serial: string }) => d.serial)).toEqual([STRANGER]);
      expect(outboxOf(STRANGER)).toBe(0);
    });

    it('approve turns the stored raw requests into punches exactly once; approving again is a no-op', async () => {
      const first = await fetch(`${gateway.api}/api/v1/devices/${STRANGER}/approve`, { method: 'POST', headers: auth });
      expect(first.status).toBe(200);
      const { approval, device } = (await first.json()) as { approval: Record<string, unknown>; device: Record<string, unknown> };
      expect(approval).toMatchObject({ serial: STRANGER, newlyApproved: true, timeZone: 'Asia/Kolkata', replayedRequests: 1, punches: 2, quarantined: 1, keptPending: 0 });
      expect(device).toMatchObject({ status: 'approved', pendingRequests: 0, timeZone: 'Asia/Kolkata', backlog: { unsent: 2 }, lastPunch: { deviceUserId: '8', direction: 'out', employeeName: 'Ravi Kumar' } });
      expect(outboxOf(STRANGER)).toBe(2);
      const payload = JSON.parse(sql<{ payload: string }>('SELECT payload FROM punch_outbox WHERE device_serial = ? ORDER BY id LIMIT 1', STRANGER).payload);
      // Site zone Asia/Kolkata (+05:30); the Stamp of the stored request is the cursor.
      expect(payload).toMatchObject({ deviceUserId: '7', localTime: '2024-06-01T08:00:00', punchedAt: '2024-06-01T02:30:00Z', deviceCursor: '41', tenantId: 'tenant-api' });

      const again = await fetch(`${gateway.api}/api/v1/devices/${STRANGER}/approve`, { method: 'POST', headers: auth });
      expect(((await again.json()) as { approval: unknown }).approval).toMatchObject({ newlyApproved: false, replayedRequests: 0, punches: 0 });
      expect(outboxOf(STRANGER)).toBe(2);
      expect(sql<{ n: number }>("SELECT COUNT(*) AS n FROM raw_request WHERE device_serial = ? AND outcome = 'pending-device'", STRANGER).n).toBe(0);
    });

    it('keeps the approval across a restart, and the approved device\'s next upload is parsed at once', async () => {
      await gateway.app.close();
      gateway = await startGateway(dataDir, fullEnv());
      const { body } = await getJson(`${gateway.api}/api/v1/devices/${STRANGER}`);
      expect(body).toMatchObject({ status: 'approved', approvedAt: expect.any(String) });
      expect(await upload(gateway, STRANGER, '9\t2024-06-01 09:00:00\t0\t1\n', '42')).toBe('OK: 1');
      expect(outboxOf(STRANGER)).toBe(3);
      const replay = await fetch(`${gateway.api}/api/v1/devices/${STRANGER}/approve`, { method: 'POST', headers: auth });
      expect(((await replay.json()) as { approval: unknown }).approval).toMatchObject({ newlyApproved: false, punches: 0 });
      expect(outboxOf(STRANGER)).toBe(3);
    });

    it('answers 404 for a serial never seen and 400 for a malformed one or query', async () => {
      const unknown = await fetch(`${gateway.api}/api/v1/devices/NEVERSEEN/approve`, { method: 'POST', headers: auth });
      expect(unknown.status).toBe(404);
      expect((await getJson(`${gateway.api}/api/v1/devices/NEVERSEEN`)).status).toBe(404);
      const bad = await getJson(`${gateway.api}/api/v1/devices/${encodeURIComponent('bad serial!')}`);
      expect(bad).toMatchObject({ status: 400, body: { message: 'invalid device serial', issues: [{ path: '(root)' }] } });
      const badQuery = await getJson(`${gateway.api}/api/v1/devices?status=maybe`);
      expect(badQuery).toMatchObject({ status: 400, body: { issues: [{ path: 'status' }] } });
    });
  });

  describe('backlog and quarantine', () => {
    it('reports the same backlog as the outbox, overall and per device', async () => {
      expect(await upload(gateway, CONFIGURED, ['1\t2024-06-02 10:00:00\t0\t1', '2\t2024-06-02 10:05:00\t0\t1'].join('\n'))).toBe('OK: 2');
      const { status, body } = await getJson(`${gateway.api}/api/v1/backlog`);
      expect(status).toBe(200);
      const total = sql<{ n: number; oldest: string }>('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM punch_outbox WHERE published_at IS NULL AND rejected_reason IS NULL');
      expect(total.n).toBe(5);
      expect(body).toMatchObject({ unsent: total.n, oldestCreatedAt: total.oldest, rejected: 0 });
      expect(body.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
      const perDevice = Object.fromEntries(body.devices.map((d: { serial: string; unsent: number }) => [d.serial, d.unsent]));
      expect(perDevice).toEqual({ [CONFIGURED]: 2, [STRANGER]: 3 });
    });

    it('pages through quarantined lines newest first with their exact raw bytes', async () => {
      // Binary junk, a non-UTF-8 byte and a bad date, next to one good line.
      const lines = [Buffer.from('\x01\x02garbage'), Buffer.from([0x31, 0x09, 0xff, 0xfe]), Buffer.from('3\t2024-02-30 08:00:00\t0\t1'), Buffer.from('4\tnot-a-time')];
      const body = Buffer.concat([...lines.flatMap((l) => [l, Buffer.from('\n')]), Buffer.from('5\t2024-06-02 11:00:00\t0\t1\n')]);
      expect(await upload(gateway, CONFIGURED, body)).toBe('OK: 5');
      const expectedIds = (gateway.runtime.store.db.prepare('SELECT id FROM quarantine ORDER BY id DESC').all() as { id: number }[]).map((r) => r.id);
      expect(expectedIds).toHaveLength(5); // the stranger's one plus these four

      const seen: { id: number; rawBase64: string; textExcerpt: string; reason: string; deviceSerial: string }[] = [];
      let before: number | null = null;
      do {
        const page: { status: number; body: Json } = await getJson(`${gateway.api}/api/v1/quarantine?limit=2${before ? `&before=${before}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.total).toBe(5);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items);
        before = page.body.nextBefore;
      } while (before !== null);
      expect(seen.map((q) => q.id)).toEqual(expectedIds);

      const mine = seen.filter((q) => q.deviceSerial === CONFIGURED).reverse();
      expect(mine.map((q) => Buffer.from(q.rawBase64, 'base64'))).toEqual(lines);
      expect(mine[0]!.textExcerpt).toBe('\\x01\\x02garbage');
      expect(mine.every((q) => q.reason.length > 0)).toBe(true);

      const onlyStranger = await getJson(`${gateway.api}/api/v1/quarantine?device=${STRANGER}`);
      expect(onlyStranger.body).toMatchObject({ total: 1, nextBefore: null, items: [{ deviceSerial: STRANGER, textExcerpt: 'no-time-here' }] });

      const detail = await getJson(`${gateway.api}/api/v1/quarantine/${mine[1]!.id}`);
      expect(detail.status).toBe(200);
      expect(Buffer.from(detail.body.rawBase64, 'base64')).toEqual(lines[1]);
      expect(detail.body).toMatchObject({ lineNumber: 2, rawRequest: { deviceSerial: CONFIGURED, tableName: 'ATTLOG', outcome: 'parsed', bodyBytes: body.length } });
      expect(detail.body.rawRequest.query).toContain(`SN=${CONFIGURED}`);

      // A line that later became a punch stays listed for audit but no longer counts as quarantined.
      const quarantinedOf = async (serial: string) =>
        ((await getJson(`${gateway.api}/api/v1/devices`)).body.items as { serial: string; quarantined: number }[]).find((d) => d.serial === serial)!.quarantined;
      expect(await quarantinedOf(CONFIGURED)).toBe(4);
      gateway.runtime.store.db.prepare("UPDATE quarantine SET reason = 'resolved:unresolved-user' WHERE id = ?").run(mine[0]!.id);
      expect(await quarantinedOf(CONFIGURED)).toBe(3);
      expect((await getJson(`${gateway.api}/api/v1/quarantine?device=${CONFIGURED}`)).body.total).toBe(4);
    });

    it('rejects bad paging input with 400 and unknown ids with 404', async () => {
      expect(await getJson(`${gateway.api}/api/v1/quarantine?limit=0`)).toMatchObject({ status: 400, body: { issues: [{ path: 'limit' }] } });
      expect(await getJson(`${gateway.api}/api/v1/quarantine?before=abc`)).toMatchObject({ status: 400, body: { issues: [{ path: 'before' }] } });
      expect(await getJson(`${gateway.api}/api/v1/quarantine?color=red`)).toMatchObject({ status: 400 });
      expect((await getJson(`${gateway.api}/api/v1/quarantine/999999`)).status).toBe(404);
      expect((await getJson(`${gateway.api}/api/v1/quarantine/-1`)).status).toBe(400);
    });
  });

  describe('presence and health', () => {
    it('shows who is in the building: each person\'s last punch today, inside when it is an in-punch', async () => {
      // Minutes ago, in the site zone: 8 came in; 9 came in and left; 10 came in yesterday only.
      const ago = (minutes: number) => deviceLocalTime(new Date(Date.now() - minutes * 60_000));
      const todayStart = deviceLocalTime(new Date()).slice(0, 10);
      const minutesSinceMidnight = Math.floor((Date.now() - Date.parse(`${todayStart}T00:00:00+05:30`)) / 60_000);
      const lines = [`8\t${ago(Math.min(30, minutesSinceMidnight))}\t0\t1`, `9\t${ago(Math.min(20, minutesSinceMidnight))}\t0\t1`, `9\t${ago(0)}\t1\t1`, `10\t${ago(minutesSinceMidnight + 60)}\t0\t1`];
      expect(await upload(gateway, CONFIGURED, lines.join('\n'))).toBe('OK: 4');
      const { status, body } = await getJson(`${gateway.api}/api/v1/presence`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ date: todayStart, timeZone: 'Asia/Kolkata', insideCount: 1 });
      const people = Object.fromEntries(body.people.map((p: { deviceUserId: string }) => [p.deviceUserId, p]));
      expect(Object.keys(people).sort()).toEqual(['8', '9']);
      expect(people['8']).toMatchObject({ inside: true, direction: 'in', employeeName: 'Ravi Kumar', deviceSerial: CONFIGURED, punchesToday: 1 });
      expect(people['9']).toMatchObject({ inside: false, direction: 'out', punchesToday: 2 });
    });

    it('includes the health the protocol adapters keep (skew, capacity, last error)', async () => {
      // Written the way the pull adapters write device_state (their own code is tested with them).
      gateway.runtime.store.db
        .prepare(
          `INSERT INTO device_state (serial, protocol, reachable, last_contact_at, clock_skew_ms, records_used, records_max, capacity_level, last_error, last_error_at, updated_at)
           VALUES (?, 'zk-push2', 0, ?, -4200, 9000, 10000, 'warning', 'ECONNREFUSED 10.0.0.7:4370', ?, ?)
           ON CONFLICT(serial) DO UPDATE SET clock_skew_ms = excluded.clock_skew_ms, last_error = excluded.last_error`,
        )
        .run(CONFIGURED, '2026-12-01T10:00:00.000Z', '2026-12-01T10:01:00.000Z', '2026-12-01T10:01:00.000Z');
      const { body } = await getJson(`${gateway.api}/api/v1/devices/${CONFIGURED}`);
      expect(body.health).toMatchObject({
        reachable: false,
        clockSkewSeconds: -4.2,
        capacity: { used: 9000, max: 10000, level: 'warning' },
        lastError: { message: 'ECONNREFUSED 10.0.0.7:4370', at: '2026-12-01T10:01:00.000Z' },
      });
      expect(body.seen).toBe(true);
    });
  });

  describe('reference data', () => {
    it('shows "last synced" after the pull on start, and refreshes on demand', async () => {
      const synced = await waitFor(
        async () => {
          const { body } = await getJson(`${gateway.api}/api/v1/reference`);
          return body.syncedAt ? body : null;
        },
        { description: 'the reference pull on start' },
      );
      expect(synced).toMatchObject({ configured: true, url: cloud.url, cursor: '2', lastError: null, counts: { sites: 1, employees: 1 } });
      cloud.employee('emp-9', 'Asha Rao', '9');
      const refreshed = await fetch(`${gateway.api}/api/v1/reference/refresh`, { method: 'POST', headers: auth });
      expect(refreshed.status).toBe(200);
      expect(await refreshed.json()).toMatchObject({ result: { ok: true, cursor: '3' }, status: { cursor: '3', counts: { employees: 2 } } });
      // A full reload drops what the cloud no longer lists (compacted away without a tombstone); bad input is a 400.
      cloud.forget('emp-9');
      const full = await fetch(`${gateway.api}/api/v1/reference/refresh?full=true`, { method: 'POST', headers: auth });
      expect(full.status).toBe(200);
      expect(await full.json()).toMatchObject({ result: { ok: true, full: true, removed: 1 }, status: { counts: { employees: 1 } } });
      expect((await fetch(`${gateway.api}/api/v1/reference/refresh?full=yes`, { method: 'POST', headers: auth })).status).toBe(400);
      expect(cloud.requests.every((r) => r.authorization === 'Bearer sync-token-of-gw-api')).toBe(true);
      expect((await fetch(`${gateway.api}/api/v1/reference`)).status).toBe(401);
    });
  });

  it('serves its OpenAPI document and the docs page', async () => {
    const document = await getJson(`${gateway.api}/api/docs-json`, {});
    expect(Object.keys(document.body.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{serial}/approve', '/api/v1/backlog', '/api/v1/quarantine', '/api/v1/quarantine/{id}', '/api/v1/presence', '/api/v1/reference', '/api/v1/reference/refresh']));
    expect(document.body.paths['/api/v1/quarantine'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'before', 'device']);
    expect((await fetch(`${gateway.api}/api/docs`)).status).toBe(200);
  });

  it('forwards what a pending device sent once it is added to the config file (replayed at start-up, once)', async () => {
    const LATECOMER = 'LATECOMER1';
    expect(await upload(gateway, LATECOMER, '51\t2024-06-03 09:00:00\t0\t1\n52\t2024-06-03 09:01:00\t0\t1\n')).toBe('OK: 2');
    const outboxOf = () => sql<{ n: number }>('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?', LATECOMER).n;
    expect(outboxOf()).toBe(0);
    for (let restart = 0; restart < 2; restart++) {
      await gateway.app.close();
      gateway = await startGateway(dataDir, fullEnv(), [LATECOMER]);
      expect(outboxOf()).toBe(2);
    }
    const { body } = await getJson(`${gateway.api}/api/v1/devices/${LATECOMER}`);
    expect(body).toMatchObject({ status: 'approved', configured: true, pendingRequests: 0, backlog: { unsent: 2 } });
  });
});

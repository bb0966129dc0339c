import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { parseReferencePullResponse, type ReferenceChange } from '@attendance/contracts';
import { createIsolatedDatabase, testInfra, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { lockChangeCounter, nextChangeSeq } from '../src/directory/change-cursor';
import type { SqlExecutor } from '../src/persistence/sql-executor';
import { adminKey, httpClient, startSyncCoordinatorInProcess } from './sync-test-harness';

const key = adminKey('admin-pull', 'tenant-pull');

/** What a gateway's cache holds after applying pages: upserts replace, tombstones remove. */
class EdgeCache {
  readonly rows = new Map<string, ReferenceChange>();
  cursor = '0';

  apply(changes: ReferenceChange[], nextCursor: string): void {
    let last = BigInt(this.cursor);
    for (const change of changes) {
      // Every change lies after the cursor asked with, in strictly increasing order.
      expect(BigInt(change.cursor)).toBeGreaterThan(last);
      last = BigInt(change.cursor);
      if (change.op === 'delete') this.rows.delete(`${change.entity}:${change.id}`);
      else this.rows.set(`${change.entity}:${change.id}`, change);
    }
    this.cursor = nextCursor;
  }
}

function clientExecutor(client: Client): SqlExecutor {
  return { query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[] };
}

describe('reference-data pull', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let admin: ReturnType<typeof httpClient>;
  let edge: ReturnType<typeof httpClient>;

  async function pullAll(cache: EdgeCache, limit: number): Promise<number> {
    let pages = 0;
    for (;;) {
      const response = await edge('GET', `/api/v1/sync/pull?since=${cache.cursor}&limit=${limit}`);
      expect(response.status).toBe(200);
      const page = parseReferencePullResponse(response.body);
      expect(page.changes.length).toBeLessThanOrEqual(limit);
      cache.apply(page.changes, page.nextCursor);
      pages++;
      if (!page.hasMore) return pages;
    }
  }

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_pull');
    const started = await startSyncCoordinatorInProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_ADMIN_API_KEYS: key.entry,
      DB_POOL_SIZE: '20',
    });
    app = started.app;
    admin = httpClient(started.url, { 'x-api-key': key.header });
    await admin('PUT', '/api/v1/admin/sites/plant', { name: 'Plant', timeZone: 'Asia/Kolkata' });
    const gateway = await admin('POST', '/api/v1/admin/gateways', { gatewayId: 'gw-pull', name: 'Pull gateway', siteId: 'plant' });
    edge = httpClient(started.url, { authorization: `Bearer ${gateway.body.token}` });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses a missing, unknown or revoked token and a bad cursor', async () => {
    const url = (await app.getUrl()) + '/api/v1/sync/pull';
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer gwt_nope' } })).status).toBe(401);
    expect((await edge('GET', '/api/v1/sync/pull?since=abc')).status).toBe(400);
    expect((await edge('GET', '/api/v1/sync/pull?limit=0')).status).toBe(400);
    const other = await admin('POST', '/api/v1/admin/gateways', { gatewayId: 'gw-revoked', name: 'Revoked' });
    expect((await fetch(url, { headers: { authorization: `Bearer ${other.body.token}` } })).status).toBe(200);
    await admin('DELETE', '/api/v1/admin/gateways/gw-revoked');
    expect((await fetch(url, { headers: { authorization: `Bearer ${other.body.token}` } })).status).toBe(401);
  });

  it('delivers a deleted employee as a tombstone, and the last state of a row changed twice once', async () => {
    const cache = new EdgeCache();
    await pullAll(cache, 100);
    const before = cache.cursor;
    await admin('POST', '/api/v1/admin/employees', { employeeId: 'leaver', code: '9001', name: 'Leaver' });
    await admin('POST', '/api/v1/admin/employees', { employeeId: 'renamed', code: '9002', name: 'First' });
    await pullAll(cache, 100);
    expect(cache.rows.has('employee:leaver')).toBe(true);

    await admin('DELETE', '/api/v1/admin/employees/leaver');
    await admin('PATCH', '/api/v1/admin/employees/renamed', { name: 'Second' });
    await admin('PATCH', '/api/v1/admin/employees/renamed', { name: 'Third' });
    const response = await edge('GET', `/api/v1/sync/pull?since=${cache.cursor}`);
    const page = parseReferencePullResponse(response.body);
    expect(page.changes).toEqual([
      expect.objectContaining({ entity: 'employee', op: 'delete', id: 'leaver' }),
      expect.objectContaining({ entity: 'employee', op: 'upsert', id: 'renamed', employee: expect.objectContaining({ name: 'Third' }) }),
    ]);
    expect(page.changes[0]).not.toHaveProperty('employee');
    cache.apply(page.changes, page.nextCursor);
    expect(cache.rows.has('employee:leaver')).toBe(false);
    expect(BigInt(cache.cursor)).toBeGreaterThan(BigInt(before));
    // Nothing new: the same cursor back, nothing more to read.
    const empty = parseReferencePullResponse((await edge('GET', `/api/v1/sync/pull?since=${cache.cursor}`)).body);
    expect(empty).toMatchObject({ changes: [], nextCursor: cache.cursor, hasMore: false });
  });

  it('does not let a later-committed change be skipped: a writer holding the counter makes others wait', async () => {
    const cache = new EdgeCache();
    await pullAll(cache, 500);
    // Writer A: the same two calls every directory write makes, on its own connection, left uncommitted.
    const writerA = new Client({ connectionString: db.url });
    await writerA.connect();
    try {
      await writerA.query('BEGIN');
      const tx = clientExecutor(writerA);
      await lockChangeCounter(tx, 'tenant-pull');
      const seqA = await nextChangeSeq(tx, 'tenant-pull');
      await writerA.query("INSERT INTO sync.employees (tenant_id, id, code, name, status, change_seq) VALUES ('tenant-pull', 'slow-a', 'A-1', 'Slow', 'active', $1)", [seqA]);

      // Writer B (through the API) starts later and must not obtain a cursor until A has committed.
      const writerB = admin('POST', '/api/v1/admin/employees', { employeeId: 'fast-b', code: 'B-1', name: 'Fast' });
      await waitFor(async () => {
        const waiting = await writerA.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        return waiting.rows[0].n >= 1;
      }, { timeoutMs: 20000, description: 'writer B blocked on the change counter' });
      await pullAll(cache, 500);
      expect(cache.rows.has('employee:fast-b')).toBe(false);
      expect(cache.rows.has('employee:slow-a')).toBe(false);

      await writerA.query('COMMIT');
      expect((await writerB).status).toBe(201);
      await pullAll(cache, 500);
      expect(cache.rows.has('employee:slow-a')).toBe(true);
      expect(cache.rows.has('employee:fast-b')).toBe(true);
      const a = cache.rows.get('employee:slow-a')!;
      const b = cache.rows.get('employee:fast-b')!;
      expect(BigInt(b.cursor)).toBeGreaterThan(BigInt(a.cursor));
    } finally {
      await writerA.end();
    }
  });

  it('pages through many changes made by concurrent writers while pulling, and skips nothing', async () => {
    const cache = new EdgeCache();
    await pullAll(cache, 7);
    const writers = 8;
    const perWriter = 30;
    let writing = true;
    const work = Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < perWriter; i++) {
        const id = `w${w}-e${i}`;
        const created = await admin('POST', '/api/v1/admin/employees', { employeeId: id, code: `C${w}-${i}`, name: `Employee ${id}` });
        expect(created.status).toBe(201);
        if (i % 3 === 0) expect((await admin('PATCH', `/api/v1/admin/employees/${id}`, { name: `Renamed ${id}` })).status).toBe(200);
        if (i % 5 === 0) expect((await admin('DELETE', `/api/v1/admin/employees/${id}`)).status).toBe(204);
        if (i % 10 === 0) expect((await admin('PUT', `/api/v1/admin/devices/DEV-${w}-${i}`, { protocol: 'zk-tcp', siteId: 'plant' })).status).toBe(201);
      }
    });
    const puller = (async () => {
      let pulls = 0;
      while (writing) {
        await pullAll(cache, 7);
        pulls++;
      }
      return pulls;
    })();
    await Promise.all(work);
    writing = false;
    const pullsDuringWrites = await puller;
    await pullAll(cache, 7);

    // The cache equals the directory: every live employee and device with its last state, no deleted one.
    const live = (await admin('GET', '/api/v1/admin/employees?limit=1000')).body.items as { employeeId: string; name: string }[];
    const cachedEmployees = [...cache.rows.values()].filter((c) => c.entity === 'employee' && c.op === 'upsert');
    expect(new Map(cachedEmployees.map((c) => [c.id, c.op === 'upsert' && c.entity === 'employee' ? c.employee.name : null]))).toEqual(
      new Map(live.map((e) => [e.employeeId, e.name])),
    );
    expect(live.filter((e) => e.employeeId.startsWith('w')).length).toBe(writers * (perWriter - perWriter / 5));
    const devices = (await admin('GET', '/api/v1/admin/devices?limit=1000')).body.items as { deviceSerial: string }[];
    expect([...cache.rows.values()].filter((c) => c.entity === 'device').map((c) => c.id).sort()).toEqual(devices.map((d) => d.deviceSerial).sort());
    // The edge really pulled while the writers wrote (the point of the test).
    expect(pullsDuringWrites).toBeGreaterThan(0);
  });
});

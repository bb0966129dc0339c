import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { MobileRecordV1Schema, type MobileRecordV1 } from '@attendance/contracts';
import { collectTopic, createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { signHs256Jwt } from '../src/auth/hs256-jwt';
import { SyncKafka } from '../src/kafka/sync-kafka';
import { adminKey, httpClient, startSyncCoordinatorInProcess } from './sync-test-harness';

const SECRET = 'mobile-test-secret-0123456789abcdef';
const suffix = uniqueSuffix();
const tenant = `t-mobile-${suffix}`;
const otherTenant = `t-other-${suffix}`;
const keyA = adminKey('mobile-admin', tenant);
const keyB = adminKey('other-admin', otherTenant);

const tokenFor = (employeeId: string, facilities: string[] = ['plant', 'hq'], tid = tenant, secret = SECRET, exp = Math.floor(Date.now() / 1000) + 600) =>
  signHs256Jwt({ sub: employeeId, tid, facilities, exp }, secret);

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

describe('mobile offline sync', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let admin: ReturnType<typeof httpClient>;
  let otherAdmin: ReturnType<typeof httpClient>;
  let topic: Awaited<ReturnType<typeof collectTopic>>;
  let pg: Client;

  const asUser = (employeeId: string, facilities?: string[]) => httpClient(baseUrl, { authorization: `Bearer ${tokenFor(employeeId, facilities)}` });
  const events = (recordId: string): MobileRecordV1[] =>
    topic.messages
      .filter((m) => m.key === `${tenant}:${recordId}`)
      .map((m) => MobileRecordV1Schema.parse(JSON.parse(m.value!)));
  const storedRecord = async (recordId: string) => (await pg.query('SELECT * FROM sync.mobile_records WHERE id = $1', [recordId])).rows[0];

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_mobile');
    topic = await collectTopic('attendance.mobile-record.v1');
    const started = await startSyncCoordinatorInProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_ADMIN_API_KEYS: [keyA.entry, keyB.entry].join(','),
      SYNC_MOBILE_JWT_SECRET: SECRET,
    });
    app = started.app;
    baseUrl = started.url;
    admin = httpClient(baseUrl, { 'x-api-key': keyA.header });
    otherAdmin = httpClient(baseUrl, { 'x-api-key': keyB.header });
    expect((await admin('PUT', '/api/v1/admin/sites/plant', { name: 'Plant', timeZone: 'Asia/Kolkata' })).status).toBe(201);
    expect((await admin('PUT', '/api/v1/admin/sites/hq', { name: 'HQ', timeZone: 'Asia/Kolkata' })).status).toBe(201);
    expect((await admin('PUT', '/api/v1/admin/sites/depot', { name: 'Depot', timeZone: 'Asia/Kolkata' })).status).toBe(201);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg?.end();
    await topic?.stop();
    await app?.close();
    await db?.drop();
  });

  it('refuses a missing, badly signed or expired token', async () => {
    const record = { facilityId: 'plant', direction: 'in', clientTimestamp: minutesAgo(1), deviceId: 'p', syncVersion: 0 };
    expect((await httpClient(baseUrl)('POST', '/api/v1/attendance/sync', { records: [record] })).status).toBe(401);
    const forged = httpClient(baseUrl, { authorization: `Bearer ${tokenFor('e-x', ['plant'], tenant, 'another-secret-0123456789abcdefgh')}` });
    expect((await forged('POST', '/api/v1/attendance/sync', { records: [record] })).status).toBe(401);
    const expired = httpClient(baseUrl, { authorization: `Bearer ${tokenFor('e-x', ['plant'], tenant, SECRET, Math.floor(Date.now() / 1000) - 3600)}` });
    expect((await expired('POST', '/api/v1/attendance/sync', { records: [record] })).status).toBe(401);
  });

  it('creates new records, answers a resend as duplicate, and reports bad records one by one', async () => {
    const user = asUser('e-create', ['plant', 'hq', 'nowhere']);
    const clockIn = { localId: 'L1', facilityId: 'plant', direction: 'in', clientTimestamp: minutesAgo(30), deviceId: 'phone-create', syncVersion: 0, location: { latitude: 18.52, longitude: 73.85 } };
    const response = await user('POST', '/api/v1/attendance/sync', {
      records: [
        clockIn,
        { ...clockIn, localId: 'L2', clientTimestamp: new Date(Date.now() + 10 * 60_000).toISOString() }, // future
        { ...clockIn, localId: 'L3', facilityId: 'depot', clientTimestamp: minutesAgo(29) }, // not in the token
        { ...clockIn, localId: 'L4', facilityId: 'nowhere', clientTimestamp: minutesAgo(28) }, // in the token, no such site
        { ...clockIn, localId: 'L5', direction: 'sideways' }, // invalid
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.summary).toEqual({ created: 1, updated: 0, duplicate: 0, conflict: 0, error: 4 });
    const [created, future, notAllowed, noSite, invalid] = response.body.results;
    expect(created).toMatchObject({ index: 0, localId: 'L1', status: 'created', version: 1 });
    expect(future.errors).toEqual([{ path: 'clientTimestamp', message: 'is in the future' }]);
    expect(notAllowed.errors[0].path).toBe('facilityId');
    expect(noSite.errors[0].path).toBe('facilityId');
    expect(invalid.errors[0].path).toBe('direction');

    const resend = await user('POST', '/api/v1/attendance/sync', { records: [clockIn] });
    expect(resend.body.results[0]).toMatchObject({ status: 'duplicate', recordId: created.recordId, version: 1 });
    await waitFor(() => events(created.recordId).length === 1, { description: 'created event', timeoutMs: 20000 });
    expect(events(created.recordId)[0]).toMatchObject({ change: 'created', employeeId: 'e-create', siteId: 'plant', version: 1, resolution: { conflict: false, outcome: 'applied' } });
    expect((await pg.query('SELECT count(*)::int AS n FROM sync.mobile_records WHERE employee_id = $1', ['e-create'])).rows[0].n).toBe(1);
  });

  it('applies a clean update, and settles conflicts by server_wins (default), client_wins and manual', async () => {
    const user = asUser('e-conflict');
    const base = { facilityId: 'plant', direction: 'in', clientTimestamp: minutesAgo(120), deviceId: 'phone-conflict', syncVersion: 0 };
    const { recordId } = (await user('POST', '/api/v1/attendance/sync', { records: [base] })).body.results[0];

    // Same version, 30 s later: within the minute, applied as version 2.
    const clean = await user('POST', '/api/v1/attendance/sync', { records: [{ ...base, recordId, syncVersion: 1, clientTimestamp: new Date(Date.parse(base.clientTimestamp) + 30_000).toISOString() }] });
    expect(clean.body.results[0]).toMatchObject({ status: 'updated', version: 2 });

    // server_wins (default): a stale version; nothing changes.
    const stale = await user('POST', '/api/v1/attendance/sync', { records: [{ ...base, recordId, syncVersion: 1, direction: 'out' }] });
    expect(stale.body.results[0]).toMatchObject({ status: 'conflict', version: 2, conflict: { reasons: ['version-mismatch'], resolution: 'server-kept', server: { version: 2, direction: 'in' } } });
    expect(await storedRecord(recordId)).toMatchObject({ version: 2, direction: 'in' });

    // client_wins: current version but 5 minutes off; the client's record applies with the version bumped.
    const shifted = new Date(Date.parse(base.clientTimestamp) + 5 * 60_000).toISOString();
    const clientWins = await user('POST', '/api/v1/attendance/sync', { records: [{ ...base, recordId, syncVersion: 2, clientTimestamp: shifted, strategy: 'client_wins' }] });
    expect(clientWins.body.results[0]).toMatchObject({ status: 'conflict', version: 3, conflict: { reasons: ['time-difference'], resolution: 'client-applied', server: { version: 2 } } });
    expect((await storedRecord(recordId)).client_timestamp.toISOString()).toBe(shifted);

    // manual: queued; the record stays as it is until an admin decides.
    const manual = await user('POST', '/api/v1/attendance/sync', { records: [{ ...base, recordId, syncVersion: 1, direction: 'out', clientTimestamp: shifted, strategy: 'manual' }] });
    const queued = manual.body.results[0];
    expect(queued).toMatchObject({ status: 'conflict', version: 3, conflict: { reasons: ['version-mismatch'], resolution: 'queued' } });
    expect(await storedRecord(recordId)).toMatchObject({ version: 3, direction: 'in' });

    const pending = await admin('GET', '/api/v1/admin/mobile/conflicts');
    expect(pending.body.items).toEqual([expect.objectContaining({ conflictId: queued.conflict.conflictId, recordId, status: 'pending', serverVersion: 3 })]);
    // Another tenant's admin neither sees nor resolves it.
    expect((await otherAdmin('GET', '/api/v1/admin/mobile/conflicts')).body.items).toEqual([]);
    expect((await otherAdmin('POST', `/api/v1/admin/mobile/conflicts/${queued.conflict.conflictId}/resolve`, { keep: 'client' })).status).toBe(404);

    const resolved = await admin('POST', `/api/v1/admin/mobile/conflicts/${queued.conflict.conflictId}/resolve`, { keep: 'client' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ conflict: { status: 'resolved', kept: 'client', resolvedBy: 'api-key:mobile-admin' }, record: { version: 4, direction: 'out' } });
    expect((await admin('POST', `/api/v1/admin/mobile/conflicts/${queued.conflict.conflictId}/resolve`, { keep: 'server' })).status).toBe(409);
    expect((await admin('GET', '/api/v1/admin/mobile/conflicts')).body.items).toEqual([]);

    // One event per change, in order: created, updated, client-applied, manually resolved; none for server-kept or queued.
    await waitFor(() => events(recordId).length >= 4, { description: 'four record events', timeoutMs: 20000 });
    expect(events(recordId).map((e) => [e.version, e.change, e.resolution.outcome])).toEqual([
      [1, 'created', 'applied'],
      [2, 'updated', 'applied'],
      [3, 'updated', 'client-applied'],
      [4, 'updated', 'manually-resolved'],
    ]);
  });

  it('lets a user sync only their own records, and only their own tenant\'s facilities', async () => {
    const owner = asUser('e-owner');
    const base = { facilityId: 'plant', direction: 'in', clientTimestamp: minutesAgo(50), deviceId: 'phone-owner', syncVersion: 0 };
    const { recordId } = (await owner('POST', '/api/v1/attendance/sync', { records: [base] })).body.results[0];
    const intruder = asUser('e-intruder');
    const attempt = await intruder('POST', '/api/v1/attendance/sync', { records: [{ ...base, recordId, syncVersion: 1, direction: 'out', strategy: 'client_wins' }] });
    expect(attempt.body.results[0]).toMatchObject({ status: 'error', errors: [{ path: 'recordId', message: `no record ${recordId}` }] });
    // Resending the owner's device and time as someone else is not a duplicate of the owner's record either.
    const copy = await intruder('POST', '/api/v1/attendance/sync', { records: [base] });
    expect(copy.body.results[0].status).toBe('error');
    expect(copy.body.results[0]).not.toHaveProperty('recordId');
    expect(await storedRecord(recordId)).toMatchObject({ employee_id: 'e-owner', version: 1, direction: 'in' });
    // A token of another tenant naming this tenant's site id records nothing.
    const foreign = httpClient(baseUrl, { authorization: `Bearer ${tokenFor('e-foreign', ['plant'], otherTenant)}` });
    const foreignAttempt = await foreign('POST', '/api/v1/attendance/sync', { records: [{ ...base, deviceId: 'phone-foreign' }] });
    expect(foreignAttempt.body.results[0]).toMatchObject({ status: 'error', errors: [expect.objectContaining({ path: 'facilityId' })] });
  });

  it('answers the 21st request in 5 minutes with 429 and Retry-After, and audits every request', async () => {
    const user = asUser('e-rate');
    for (let i = 0; i < 20; i++) {
      const response = await user('POST', '/api/v1/attendance/sync', { records: [{ facilityId: 'hq', direction: i % 2 ? 'out' : 'in', clientTimestamp: minutesAgo(200 - i), deviceId: 'phone-rate', syncVersion: 0 }] });
      expect(response.status).toBe(200);
    }
    const limited = await user('POST', '/api/v1/attendance/sync', { records: [{ facilityId: 'hq', direction: 'in', clientTimestamp: minutesAgo(1), deviceId: 'phone-rate', syncVersion: 0 }] });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(300);
    // Another user is not affected.
    expect((await asUser('e-rate-other')('POST', '/api/v1/attendance/sync', { records: [{ facilityId: 'hq', direction: 'in', clientTimestamp: minutesAgo(3), deviceId: 'phone-rate-2', syncVersion: 0 }] })).status).toBe(200);

    const audit = await pg.query("SELECT outcome, record_count, summary FROM sync.mobile_sync_audit WHERE tenant_id = $1 AND employee_id = 'e-rate' ORDER BY requested_at", [tenant]);
    expect(audit.rows.map((r) => r.outcome)).toEqual([...Array(20).fill('accepted'), 'rate-limited']);
    expect(audit.rows[0]).toMatchObject({ record_count: 1, summary: { created: 1, updated: 0, duplicate: 0, conflict: 0, error: 0 } });
    // The limited record was not stored.
    expect((await pg.query("SELECT count(*)::int AS n FROM sync.mobile_records WHERE employee_id = 'e-rate'")).rows[0].n).toBe(20);
  });

  it('admits exactly 20 of 25 parallel requests of one user (the count and the slot are taken atomically)', async () => {
    const user = asUser('e-burst');
    const responses = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        user('POST', '/api/v1/attendance/sync', { records: [{ facilityId: 'hq', direction: 'in', clientTimestamp: minutesAgo(300 - i), deviceId: 'phone-burst', syncVersion: 0 }] }),
      ),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(20);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(5);
    expect((await pg.query("SELECT count(*)::int AS n FROM sync.mobile_records WHERE employee_id = 'e-burst'")).rows[0].n).toBe(20);
  });

  it('keeps events in the outbox while the producer cannot publish, and publishes them once it can', async () => {
    const producer = app.get(SyncKafka).producer;
    await producer.disconnect();
    let recordId: string;
    try {
      const response = await asUser('e-outbox')('POST', '/api/v1/attendance/sync', { records: [{ facilityId: 'plant', direction: 'in', clientTimestamp: minutesAgo(7), deviceId: 'phone-outbox', syncVersion: 0 }] });
      expect(response.status).toBe(200);
      recordId = response.body.results[0].recordId;
      expect(response.body.results[0].status).toBe('created');
      const waiting = await pg.query("SELECT count(*)::int AS n FROM sync.mobile_record_outbox WHERE key = $1", [`${tenant}:${recordId}`]);
      expect(waiting.rows[0].n).toBe(1);
    } finally {
      await producer.connect();
    }
    await waitFor(() => events(recordId).length === 1, { description: 'outbox event after reconnect', timeoutMs: 30000 });
    await waitFor(async () => (await pg.query('SELECT count(*)::int AS n FROM sync.mobile_record_outbox')).rows[0].n === 0, { description: 'outbox drained', timeoutMs: 30000 });
  });

  it('answers an invalid envelope with 400 and audits it as rejected', async () => {
    const user = asUser('e-envelope');
    const response = await user('POST', '/api/v1/attendance/sync', { records: [] });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toBe('records');
    const audit = await pg.query("SELECT outcome FROM sync.mobile_sync_audit WHERE employee_id = 'e-envelope'");
    expect(audit.rows).toEqual([{ outcome: 'rejected' }]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PunchRawV1 } from '@attendance/contracts';
import type { DeviceEventInput, DeviceEventRecorder } from '../events/device-event-recorder';
import { DiskBudget, DiskBudgetExceededError } from '../store/disk-budget';
import { EdgeStore } from '../store/edge-store';
import { buildPunchFromZkRecord, decodeZkAttendanceRecord } from '../zk';
import { DeviceHealthTracker } from './device-health-tracker';
import { PulledBatchWriter, type PulledRecord } from './pulled-batch-writer';

/** Collects events in memory (the recorder under test elsewhere writes them to SQLite). */
class CollectingRecorder implements DeviceEventRecorder {
  readonly events: DeviceEventInput[] = [];
  record(event: DeviceEventInput): void {
    this.events.push(event);
  }
}

const context = { tenantId: 't-1', siteId: 's-1', gatewayId: 'gw-1', deviceSerial: 'ZK1', timeZone: 'Asia/Kolkata', verifyTable: 'push' as const };

/** A 40-byte ZK record, built the way the firmware lays it out. */
function zkRecord(index: number, userId: string, packedTime: number): PulledRecord {
  const bytes = Buffer.alloc(40);
  bytes.writeUInt16LE(index + 1, 0);
  bytes.write(userId, 2, 'utf8');
  bytes[26] = 1;
  bytes.writeUInt32LE(packedTime, 27);
  const record = decodeZkAttendanceRecord(bytes, index)!;
  return { rawText: record.rawHex, rawBytes: bytes, built: buildPunchFromZkRecord(record, context, { receivedAt: new Date('2024-06-01T12:00:00Z'), source: 'pull' }) };
}

/** ZK packed time (pyzk): ((((y-2000)*12 + m-1)*31 + d-1)*24 + h)*60 + mi)*60 + s. */
const packed = (y: number, mo: number, d: number, h: number, mi: number, s: number) => ((((((y - 2000) * 12 + mo - 1) * 31 + d - 1) * 24 + h) * 60 + mi) * 60 + s);

describe(PulledBatchWriter.name, () => {
  let dir: string;
  let store: EdgeStore;
  let recorder: CollectingRecorder;
  let notified: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulled-batch-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    recorder = new CollectingRecorder();
    notified = 0;
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const batch = (records: PulledRecord[], extra: object = {}) => ({
    deviceSerial: 'ZK1',
    protocol: 'zk-tcp',
    punchProtocol: 'zk-tcp' as const,
    tableName: 'ATTLOG',
    query: 'read',
    receivedAt: new Date('2024-06-01T12:00:00Z'),
    records,
    ...extra,
  });
  const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;

  it('stores new punches with their raw record, quarantines a bad record once, and moves the cursor in the same transaction', () => {
    const writer = new PulledBatchWriter(store, recorder, () => notified++);
    const good = zkRecord(0, '0012', packed(2024, 6, 1, 9, 0, 0));
    const reset = zkRecord(1, '13', packed(2000, 1, 1, 0, 0, 0));
    expect(good.built.ok && (good.built.punch as PunchRawV1).punchedAt).toBe('2024-06-01T03:30:00Z');
    const first = writer.write(batch([good, reset], { cursor: { channel: 'c', value: '2' } }));
    expect(first).toMatchObject({ found: 1, new: 1, quarantined: 1, quarantinedBefore: 0 });
    expect(writer.cursors.get('ZK1', 'c')).toBe('2');
    const [quarantined] = store.quarantine.latest(5);
    expect(quarantined).toMatchObject({ reason: 'implausible-time', lineNumber: 2 });
    expect(quarantined!.rawLine.equals(reset.rawBytes)).toBe(true);
    const body = (store.db.prepare('SELECT body FROM raw_request').get() as { body: Buffer }).body.toString('utf8');
    expect(body.split('\n')).toEqual([good.rawText, reset.rawText]);
    expect(recorder.events).toEqual([expect.objectContaining({ type: 'line-quarantined', reason: 'implausible-time', quarantineId: String(quarantined!.id) })]);
    expect(notified).toBe(1);

    // The next full read returns both again: nothing new is stored, no second quarantine, no raw request.
    const second = writer.write(batch([good, reset, zkRecord(2, '14', packed(2024, 6, 1, 10, 0, 0))]));
    expect(second).toMatchObject({ found: 2, new: 1, quarantined: 0, quarantinedBefore: 1 });
    expect(count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(2);
    expect(count('SELECT COUNT(*) AS n FROM quarantine')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM raw_request')).toBe(2);
  });

  it('commits nothing when part of the batch fails', () => {
    const writer = new PulledBatchWriter(store, { record: () => { throw new Error('event outbox broken'); } }, () => notified++);
    expect(() => writer.write(batch([zkRecord(0, '1', packed(2024, 6, 1, 9, 0, 0)), zkRecord(1, '2', packed(2000, 1, 1, 0, 0, 0))], { cursor: { channel: 'c', value: '9' } }))).toThrow('event outbox broken');
    expect(count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM raw_request')).toBe(0);
    expect(writer.cursors.get('ZK1', 'c')).toBeNull();
  });

  it('refuses to store anything when the disk budget is spent (the device keeps its records)', () => {
    const writer = new PulledBatchWriter(store, recorder, () => notified++, new DiskBudget(join(dir, 'gateway.sqlite'), 1));
    expect(() => writer.write(batch([zkRecord(0, '1', packed(2024, 6, 1, 9, 0, 0))]))).toThrow(DiskBudgetExceededError);
    expect(count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
  });

  it('retries quarantined lines once: a now-valid line becomes a punch (or is counted if already stored) and its row is marked resolved; another failure reclassifies it', () => {
    const writer = new PulledBatchWriter(store, recorder, () => notified++);
    const unresolved = (record: PulledRecord): PulledRecord => ({ ...record, built: { ok: false, reason: 'unresolved-user', detail: 'uid unknown' } });
    const a = zkRecord(0, 'A', packed(2024, 6, 1, 9, 0, 0));
    const b = zkRecord(1, 'B', packed(2024, 6, 1, 10, 0, 0));
    const c = zkRecord(2, 'C', packed(2024, 6, 1, 11, 0, 0));
    const d = zkRecord(3, 'D', packed(2024, 6, 1, 12, 0, 0));
    writer.write(batch([unresolved(a), unresolved(b), unresolved(c), unresolved(d)]));
    writer.write(batch([b])); // b was also stored as a punch by a later read
    const rows = writer.quarantinedLines(writer.quarantinedIds({ deviceSerial: 'ZK1', reason: 'unresolved-user', tableName: 'ATTLOG' }));
    expect(rows.map((r) => r.rawLine.toString('hex'))).toEqual([a, b, c, d].map((r) => r.rawText));
    expect(writer.quarantinedIds({ deviceSerial: 'ZK1', reason: 'unresolved-user', tableName: 'EF_ATTLOG' })).toEqual([]);
    expect(writer.quarantinedIds({ deviceSerial: 'ZK2', reason: 'unresolved-user', tableName: 'ATTLOG' })).toEqual([]);
    const retry = (i: number, built: PulledRecord['built']) => ({ quarantineId: rows[i]!.id, rawRequestId: rows[i]!.rawRequestId, reason: 'unresolved-user', detail: rows[i]!.detail, built });
    const outbox = () => count('SELECT COUNT(*) AS n FROM punch_outbox');
    expect(outbox()).toBe(1);
    notified = 0;

    const at = new Date('2024-06-02T00:00:00Z');
    const retries = [
      retry(0, a.built),
      retry(1, b.built),
      retry(2, { ok: false, reason: 'implausible-time', detail: 'clock reset' }),
      retry(3, { ok: false, reason: 'unresolved-user', detail: 'still unknown' }),
    ];
    expect(writer.retryQuarantined('ZK1', retries, at)).toMatchObject({ resolved: 2, new: 1, reclassified: 1 });
    expect(outbox()).toBe(2); // a stored; b was already known by its eventId
    expect(notified).toBe(1);
    const stored = store.db.prepare('SELECT raw_request_id AS id FROM punch_outbox WHERE event_id = ?').get(a.built.ok ? a.built.punch.eventId : '') as { id: number };
    expect(stored.id).toBe(rows[0]!.rawRequestId);
    const after = store.quarantine.page({ deviceSerial: 'ZK1', limit: 10 }).reverse();
    expect(after.map((q) => q.reason)).toEqual(['resolved:unresolved-user', 'resolved:unresolved-user', 'implausible-time', 'unresolved-user']);
    expect(after[0]!.detail).toMatch(/^resolved 2024-06-02T00:00:00.000Z: user A, event .* \(was: uid unknown\)$/);
    expect(after[2]!.detail).toBe('clock reset (first quarantined as unresolved-user: uid unknown)');
    expect(after[3]!.detail).toBe('uid unknown');

    // The same retries again (a second table read): the rows no longer have the reason, nothing changes.
    expect(writer.retryQuarantined('ZK1', retries, at)).toMatchObject({ resolved: 0, new: 0, reclassified: 0 });
    expect(outbox()).toBe(2);
    expect(writer.quarantinedIds({ deviceSerial: 'ZK1', reason: 'unresolved-user', tableName: 'ATTLOG' })).toEqual([rows[3]!.id]);
  });
});

describe(DeviceHealthTracker.name, () => {
  let dir: string;
  let store: EdgeStore;
  let recorder: CollectingRecorder;
  let tracker: DeviceHealthTracker;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'device-health-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    recorder = new CollectingRecorder();
    tracker = new DeviceHealthTracker(store, recorder);
    tracker.register('ZK1', 'zk-tcp');
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const types = () => recorder.events.map((e) => ('state' in e ? `${e.type}:${e.state}` : 'level' in e ? `${e.type}:${e.level}` : e.type));

  it('reports transitions only: online once, offline once, online again', () => {
    tracker.contact('ZK1', 'zk-tcp', '10.0.0.5:4370', new Date('2024-06-01T10:00:00Z'));
    tracker.contact('ZK1', 'zk-tcp', '10.0.0.5:4370');
    tracker.unreachable('ZK1', 'connect-failed', 'ECONNREFUSED');
    tracker.unreachable('ZK1', 'connect-failed', 'ECONNREFUSED');
    tracker.contact('ZK1', 'zk-tcp', '10.0.0.5:4370');
    expect(types()).toEqual(['online', 'offline', 'online']);
    expect(recorder.events[1]).toMatchObject({ lastContactAt: expect.any(String), reason: 'connect-failed' });
    expect(tracker.states.get('ZK1')).toMatchObject({ reachable: true, lastError: 'connect-failed: ECONNREFUSED' });
  });

  it('reports skew crossing the threshold both ways, and capacity levels as they change', () => {
    tracker.clock('ZK1', 5_000, '2024-06-01T10:00:05');
    tracker.clock('ZK1', 120_000, '2024-06-01T10:02:00');
    tracker.clock('ZK1', 130_000, '2024-06-01T10:02:10');
    tracker.clock('ZK1', -2_000, '2024-06-01T09:59:58');
    tracker.capacity('ZK1', 10, 100);
    tracker.capacity('ZK1', 85, 100);
    tracker.capacity('ZK1', 96, 100);
    tracker.capacity('ZK1', 97, 100);
    expect(types()).toEqual(['clock-skew:exceeded', 'clock-skew:recovered', 'capacity:warning', 'capacity:critical']);
    expect(tracker.states.get('ZK1')).toMatchObject({ clockSkewMs: -2000, clockSkewState: 'ok', recordsUsed: 97, recordsMax: 100, capacityLevel: 'critical' });
  });
});

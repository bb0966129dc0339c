import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EDGE_MIGRATIONS } from './edge-migrations';
import { EdgeStore } from './edge-store';
import { PUNCH_PAYLOAD_VERSION } from './punch-outbox.repository';

// A real SQLite file (not :memory:), so the synchronous setting the mark switches is the one a site runs with.
describe('punch outbox: batch reads and range marks', () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'punch-outbox-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    const rawRequestId = store.rawRequests.insert({
      deviceSerial: 'A',
      protocol: 'zk-push2',
      tableName: 'ATTLOG',
      query: '',
      body: Buffer.from(''),
      receivedAt: '2026-03-02T00:00:00.000Z',
      outcome: 'parsed',
    });
    // ids 1..12, devices interleaved A B C A B C ...
    for (let i = 0; i < 12; i++) {
      const serial = 'ABC'[i % 3]!;
      store.outbox.insert({ eventId: `e${i + 1}`, deviceSerial: serial, rawRequestId, payload: `{"n":${i + 1}}`, createdAt: '2026-03-02T00:00:00.000Z' });
    }
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const publishedIds = () =>
    (store.db.prepare('SELECT id FROM punch_outbox WHERE published_at IS NOT NULL ORDER BY id').all() as { id: number }[]).map((r) => r.id);

  it('marks exactly the given ids (unsorted, with gaps and duplicates) and restores synchronous=FULL', () => {
    store.outbox.markPublished([9, 2, 3, 4, 12, 3, 7], '2026-03-02T01:00:00.000Z');
    expect(publishedIds()).toEqual([2, 3, 4, 7, 9, 12]);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.outbox.backlog().count).toBe(6);
  });

  it('reads each device its oldest unsent rows after its cursor, in one id-ordered list, skipping published and refused rows', () => {
    store.outbox.markPublished([1], '2026-03-02T01:00:00.000Z');
    store.outbox.markRejected(5, 'test: refused');
    const rows = store.outbox.nextUnpublishedOfDevices(
      [
        { serial: 'A', afterId: 0 }, // A has 1 (published), 4, 7, 10
        { serial: 'B', afterId: 2 }, // B has 2 (before the cursor), 5 (refused), 8, 11
        { serial: 'C', afterId: 0 }, // C has 3, 6, 9, 12
      ],
      2,
    );
    expect(rows.map((r) => [r.id, r.deviceSerial, r.eventId, r.payload])).toEqual([
      [3, 'C', 'e3', '{"n":3}'],
      [4, 'A', 'e4', '{"n":4}'],
      [6, 'C', 'e6', '{"n":6}'],
      [7, 'A', 'e7', '{"n":7}'],
      [8, 'B', 'e8', '{"n":8}'],
      [11, 'B', 'e11', '{"n":11}'],
    ]);
    expect(store.outbox.nextUnpublishedOfDevices([{ serial: 'C', afterId: 6 }], 10).map((r) => r.id)).toEqual([9, 12]);
    expect(store.outbox.nextUnpublishedOfDevices([], 10)).toEqual([]);
  });

  it('gives a device marked `extra` one row more than the share', () => {
    const rows = store.outbox.nextUnpublishedOfDevices(
      [
        { serial: 'A', afterId: 0, extra: true },
        { serial: 'B', afterId: 0 },
        { serial: 'C', afterId: 9, extra: true }, // only 12 left: fewer than share + 1
      ],
      2,
    );
    expect(rows.map((r) => [r.id, r.deviceSerial])).toEqual([
      [1, 'A'],
      [2, 'B'],
      [4, 'A'],
      [5, 'B'],
      [7, 'A'],
      [12, 'C'],
    ]);
  });

  it('treats rows of a database written before payload_version existed as another version (upgrade in place)', () => {
    const path = join(dir, 'older.sqlite');
    const older = new Database(path);
    const before = EDGE_MIGRATIONS.findIndex((sql) => sql.includes('payload_version'));
    for (let version = 0; version < before; version++) older.exec(EDGE_MIGRATIONS[version]!);
    older.pragma(`user_version = ${before}`);
    older.prepare("INSERT INTO raw_request (device_serial, protocol, query, body, received_at, outcome) VALUES ('OLD', 'zk-push2', '', x'', 't', 'parsed')").run();
    older.prepare("INSERT INTO punch_outbox (event_id, device_serial, raw_request_id, payload, created_at) VALUES ('stored-by-older', 'OLD', 1, '{}', 't')").run();
    older.close();
    const upgraded = EdgeStore.open(path);
    try {
      upgraded.outbox.insert({ eventId: 'stored-after-upgrade', deviceSerial: 'OLD', rawRequestId: 1, payload: '{}', createdAt: 't' });
      expect(upgraded.outbox.nextUnpublishedOfDevices([{ serial: 'OLD', afterId: 0 }], 10).map((r) => [r.eventId, r.sameVersion])).toEqual([
        ['stored-by-older', 0],
        ['stored-after-upgrade', 1],
      ]);
    } finally {
      upgraded.close();
    }
  });

  it("says which rows were validated by this gateway's contract version when stored", () => {
    const rawRequestId = store.rawRequests.insert({ deviceSerial: 'D', protocol: 'zk-push2', tableName: 'ATTLOG', query: '', body: Buffer.from(''), receivedAt: '2026-03-02T00:00:00.000Z', outcome: 'parsed' });
    store.outbox.insert({ eventId: 'older-gateway', deviceSerial: 'D', rawRequestId, payload: '{}', createdAt: '2026-03-02T00:00:00.000Z', payloadVersion: null });
    store.outbox.insert({ eventId: 'other-version', deviceSerial: 'D', rawRequestId, payload: '{}', createdAt: '2026-03-02T00:00:00.000Z', payloadVersion: 'attendance.punch.raw.v1#0123456789abcdef' });
    store.outbox.insert({ eventId: 'this-version', deviceSerial: 'D', rawRequestId, payload: '{}', createdAt: '2026-03-02T00:00:00.000Z' });
    const read = store.outbox.nextUnpublishedOfDevices([{ serial: 'D', afterId: 0 }], 10);
    expect(read.map((r) => [r.eventId, r.sameVersion])).toEqual([
      ['older-gateway', 0],
      ['other-version', 0],
      ['this-version', 1],
    ]);
    expect(store.outbox.nextUnpublishedOfDevice('D', 10).map((r) => r.sameVersion)).toEqual([0, 0, 1]);
    expect(PUNCH_PAYLOAD_VERSION).toMatch(/^attendance\.punch\.raw\.v1#[0-9a-f]{16}$/);
    // the rows the other tests wrote (default version) are this version's too
    expect(store.outbox.nextUnpublishedOfDevices([{ serial: 'A', afterId: 0 }], 1).map((r) => r.sameVersion)).toEqual([1]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/gateway.config';
import { DiskBudget, DiskBudgetExceededError } from '../store/disk-budget';
import { EdgeStore } from '../store/edge-store';
import { GroupCommitter } from '../store/group-committer';
import Database from 'better-sqlite3';
import { buildHandshakeReply } from './adms-handshake';
import { AdmsUploadService } from './adms-upload.service';

// Real SQLite on disk (WAL, synchronous=FULL), as in production.
describe(AdmsUploadService.name, () => {
  let dir: string;
  let store: EdgeStore;
  let notified: number;
  let service: AdmsUploadService;
  const config = {
    gatewayId: 'gw-1',
    tenantId: 'tenant-a',
    siteId: 'site-1',
    siteTimeZone: 'Asia/Kolkata',
    devices: new Map(['DEV1', 'DEV2', 'DEV3'].map((serial) => [serial, { serial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }])),
  } as unknown as GatewayConfig;
  const upload = (serial: string, body: string, stamp: string | null = '100') => ({
    serial,
    table: 'ATTLOG',
    stamp,
    pushVersion: '2.4.1',
    query: `SN=${serial}&table=ATTLOG`,
    body: Buffer.from(body),
    receivedAt: new Date('2024-06-01T10:00:00Z'),
  });
  const count = (sql: string) => (store.db.prepare(sql).get() as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'edge-store-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    notified = 0;
    service = new AdmsUploadService(store, config, () => notified++, new DiskBudget(join(dir, 'gateway.sqlite'), 1 << 30));
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs SQLite in WAL mode with synchronous=FULL', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('stores raw body, punches and quarantine together and acknowledges every line', async () => {
    const outcome = await service.handle(upload('DEV1', '1\t2024-06-01 15:00:00\t0\t1\nbad line\n2\t1999-01-01 00:00:00\t0\t1\n'));
    expect(outcome).toEqual({ acknowledged: 3, punches: 1, quarantined: 2, deviceStatus: 'approved', reply: 'OK: 3' });
    expect(count('SELECT COUNT(*) AS n FROM raw_request')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(1);
    expect(store.quarantine.latest(5).map((q) => q.reason).sort()).toEqual(['implausible-time', 'malformed-time']);
    const [row] = store.outbox.nextUnpublished(1);
    expect(JSON.parse(row!.payload)).toMatchObject({ punchedAt: '2024-06-01T09:30:00Z', deviceCursor: '100', source: 'push' });
    expect(notified).toBe(1);
  });

  it('persists the Stamp per (device, table) and returns it in the next handshake', async () => {
    await service.handle(upload('DEV1', '1\t2024-06-01 15:00:00\t0\t1\n', '9876'));
    const reply = buildHandshakeReply({ serial: 'DEV1', timeZone: 'Asia/Kolkata', stamps: store.devices.stamps('DEV1'), now: new Date() });
    expect(reply).toContain('ATTLOGStamp=9876\n');
    expect(reply).toContain('Stamp=9876\n');
    expect(reply).toContain('OPERLOGStamp=None\n');
    expect(reply).toContain('TimeZone=330\n');
  });

  it('keeps an unknown device pending: raw data stored, nothing forwarded', async () => {
    const outcome = await service.handle(upload('STRANGER', '1\t2024-06-01 15:00:00\t0\t1\n'));
    expect(outcome).toMatchObject({ acknowledged: 1, punches: 0, deviceStatus: 'pending' });
    expect(count("SELECT COUNT(*) AS n FROM raw_request WHERE outcome = 'pending-device'")).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
    expect(notified).toBe(0);
  });

  it('commits nothing when the transaction fails, so the device keeps its batch', async () => {
    const outbox = store.outbox as unknown as { insert: () => void };
    const original = outbox.insert;
    outbox.insert = () => {
      throw new Error('disk I/O error');
    };
    await expect(service.handle(upload('DEV1', '1\t2024-06-01 15:00:00\t0\t1\n', '5'))).rejects.toThrow('disk I/O error');
    outbox.insert = original;
    expect(count('SELECT COUNT(*) AS n FROM raw_request')).toBe(0);
    expect(count('SELECT COUNT(*) AS n FROM device_stamp')).toBe(0);
    expect(notified).toBe(0);
  });

  it('refuses uploads once the disk budget is spent, writing nothing and keeping everything already stored', async () => {
    const path = join(dir, 'gateway.sqlite');
    const budget = new DiskBudget(path, new DiskBudget(path, 0).usedBytes() + 256 * 1024);
    const limited = new AdmsUploadService(store, config, () => notified++, budget);
    const line = (i: number) => `${i}\t2024-06-01 ${String(8 + Math.floor(i / 3600)).padStart(2, '0')}:${String(Math.floor((i % 3600) / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}\t0\t1\n`;
    let stored = 0;
    let refused: unknown;
    for (let batch = 0; batch < 1000 && !refused; batch++) {
      try {
        const body = Array.from({ length: 50 }, (_, i) => line(batch * 50 + i)).join('');
        stored += (await limited.handle(upload('DEV1', body, String(batch)))).punches;
      } catch (error) {
        refused = error;
      }
    }
    expect(refused).toBeInstanceOf(DiskBudgetExceededError);
    expect(stored).toBeGreaterThan(0);
    const before = { outbox: count('SELECT COUNT(*) AS n FROM punch_outbox'), raw: count('SELECT COUNT(*) AS n FROM raw_request') };
    expect(before.outbox).toBe(stored);
    await expect(limited.handle(upload('DEV1', line(999_999), 'x'))).rejects.toThrow(DiskBudgetExceededError);
    expect({ outbox: count('SELECT COUNT(*) AS n FROM punch_outbox'), raw: count('SELECT COUNT(*) AS n FROM raw_request') }).toEqual(before);
  });

  describe('group commit', () => {
    const twoPunches = (hour: number) => `1\t2024-06-01 ${hour}:00:00\t0\t1\n2\t2024-06-01 ${hour}:30:00\t0\t1\n`;
    let committer: GroupCommitter;
    let grouped: AdmsUploadService;
    let reader: Database.Database;
    const seen = (sql: string, ...params: unknown[]) => (reader.prepare(sql).get(...params) as { n: number }).n;

    beforeEach(() => {
      committer = new GroupCommitter(store.db);
      grouped = new AdmsUploadService(store, config, () => notified++, new DiskBudget(join(dir, 'gateway.sqlite'), 1 << 30), undefined, null, committer);
      // A second connection, as a crash would leave it: it sees only what is committed.
      reader = new Database(join(dir, 'gateway.sqlite'), { readonly: true });
    });

    afterEach(() => reader.close());

    it('rejects and rolls back only the upload that throws; the rest of its group is committed intact', async () => {
      const outbox = store.outbox as unknown as { insert: (row: { deviceSerial: string }) => void };
      const original = outbox.insert.bind(store.outbox);
      outbox.insert = (row) => {
        if (row.deviceSerial === 'DEV2') throw new Error('disk I/O error');
        original(row);
      };
      const pending = [grouped.handle(upload('DEV1', twoPunches(10), '11')), grouped.handle(upload('DEV2', twoPunches(11), '21')), grouped.handle(upload('DEV3', twoPunches(12), '31'))];
      // All three are waiting for the same group: one transaction, one COMMIT.
      expect(committer.queued).toBe(3);
      const [first, second, third] = await Promise.allSettled(pending);
      outbox.insert = original;

      expect(first).toMatchObject({ status: 'fulfilled', value: { reply: 'OK: 2', punches: 2 } });
      expect(second).toMatchObject({ status: 'rejected', reason: new Error('disk I/O error') });
      expect(third).toMatchObject({ status: 'fulfilled', value: { reply: 'OK: 2', punches: 2 } });
      // Nothing of DEV2's upload (raw body, punches, stamp) was kept, so its device sends it again.
      expect(seen('SELECT COUNT(*) AS n FROM raw_request WHERE device_serial = ?', 'DEV2')).toBe(0);
      expect(seen('SELECT COUNT(*) AS n FROM device_stamp WHERE device_serial = ?', 'DEV2')).toBe(0);
      for (const [serial, stamp] of [['DEV1', '11'], ['DEV3', '31']] as const) {
        expect(seen('SELECT COUNT(*) AS n FROM raw_request WHERE device_serial = ?', serial)).toBe(1);
        expect(reader.prepare('SELECT stamp FROM device_stamp WHERE device_serial = ?').pluck().get(serial)).toBe(stamp);
        const payloads = (reader.prepare('SELECT payload FROM punch_outbox WHERE device_serial = ? ORDER BY id').pluck().all(serial) as string[]).map((p) => JSON.parse(p) as { deviceSerial: string; deviceCursor: string });
        expect(payloads).toEqual([expect.objectContaining({ deviceSerial: serial, deviceCursor: stamp }), expect.objectContaining({ deviceSerial: serial, deviceCursor: stamp })]);
      }
      expect(notified).toBe(2);
    });

    it('settles no upload before its group is committed, and every one after', async () => {
      const outbox = store.outbox as unknown as { insert: (row: { deviceSerial: string }) => void };
      const original = outbox.insert.bind(store.outbox);
      const visibleWhileWriting: number[] = [];
      outbox.insert = (row) => {
        // Inside the group: the uploads written before this one are not committed yet.
        visibleWhileWriting.push(seen('SELECT COUNT(*) AS n FROM raw_request'));
        original(row);
      };
      const visibleWhenAnswered: number[] = [];
      const pending = ['DEV1', 'DEV2', 'DEV3'].map((serial, i) =>
        grouped.handle(upload(serial, twoPunches(10 + i), String(i))).then((outcome) => {
          visibleWhenAnswered.push(seen('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?', serial));
          return outcome;
        }),
      );
      await Promise.all(pending);
      outbox.insert = original;
      expect(visibleWhileWriting).toEqual([0, 0, 0, 0, 0, 0]);
      expect(visibleWhenAnswered).toEqual([2, 2, 2]);
    });
  });
});

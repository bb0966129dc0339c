import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { punchEventId, type PunchRawV1 } from '@attendance/contracts';
import { createRootLogger } from '@attendance/observability';
import { waitFor } from '@attendance/testing';
import type { DeviceEventInput, DeviceEventRecorder } from '../../services/device-gateway/src/events/device-event-recorder';
import { DeviceHealthTracker } from '../../services/device-gateway/src/pull/device-health-tracker';
import { PulledBatchWriter } from '../../services/device-gateway/src/pull/pulled-batch-writer';
import { ZkDeviceRunner } from '../../services/device-gateway/src/pull/zk-device-runner';
import { EdgeStore } from '../../services/device-gateway/src/store/edge-store';
import { ZkTcpDevice } from './zk-tcp-device';

class CollectingRecorder implements DeviceEventRecorder {
  readonly events: DeviceEventInput[] = [];
  record(event: DeviceEventInput): void {
    this.events.push(event);
  }
}

jest.setTimeout(60_000);

// The ZK runner against the simulated terminal (real TCP, real SQLite) with 8-byte records, which name users
// by uid only: a record whose uid the user table lacks is quarantined as unresolved-user, and must become a
// punch (once) when a later table read names it, after a push-users or a reconnect, without a restart.
describe('ZK records quarantined for an unknown user are re-resolved when the user table is re-read', () => {
  const serial = 'ZKRETRY01';
  const identity = { tenantId: 't-retry', siteId: 's-1', gatewayId: 'gw-1' };
  let dir: string;
  let store: EdgeStore;
  let recorder: CollectingRecorder;
  let device: ZkTcpDevice;
  const runners: ZkDeviceRunner[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zk-retry-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    recorder = new CollectingRecorder();
    device = await ZkTcpDevice.start({
      serial,
      recordSize: 8,
      userCharset: 'gbk',
      users: [{ uid: 1, userId: '0100', name: '李娜' }],
      records: [
        { uid: 1, userId: '0100', verify: 1, state: 0, time: '2024-05-01 08:00:00' },
        // uids 2 and 3 are not in the user table yet: their users are enrolled later
        { uid: 2, userId: '', verify: 1, state: 0, time: '2024-05-01 09:00:00' },
        { uid: 3, userId: '', verify: 1, state: 1, time: '2024-05-01 10:00:00' },
      ],
    });
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    expect(device.counters.destructiveCommands).toBe(0);
    await device.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startRunner = () => {
    const runner = new ZkDeviceRunner({
      device: { serial, protocol: 'zk-tcp', host: '127.0.0.1', port: device.port, commKey: null, charset: 'gbk', timeZone: 'UTC' },
      identity,
      writer: new PulledBatchWriter(store, recorder, () => undefined),
      health: new DeviceHealthTracker(store, recorder),
      logger: createRootLogger({ service: 'test', version: 'test', level: 'silent' }),
      poller: { backoff: { initialMs: 20, maxMs: 50 }, reconcileIntervalMs: 60_000 },
      session: { commandTimeoutMs: 1_000, chunkTimeoutMs: 2_000, idleTimeoutMs: 0 },
    });
    runners.push(runner);
    runner.start();
    return runner;
  };
  const until = (condition: () => boolean) => waitFor(condition, { description: condition.toString().slice(0, 200), timeoutMs: 30_000 });
  const punches = (): PunchRawV1[] =>
    (store.db.prepare('SELECT payload FROM punch_outbox WHERE device_serial = ? ORDER BY id').all(serial) as { payload: string }[]).map((r) => JSON.parse(r.payload) as PunchRawV1);
  const quarantine = () => store.quarantine.page({ deviceSerial: serial, limit: 50 }).reverse();
  const reasons = () => quarantine().map((q) => q.reason);
  const eventId = (deviceUserId: string, localTime: string) => punchEventId({ tenantId: identity.tenantId, deviceSerial: serial, deviceUserId, localTime });

  it('after a push-users and after a reconnect: each becomes one punch with its usual eventId, the quarantine row is kept and marked resolved', async () => {
    const first = startRunner();
    await until(() => punches().length === 1 && quarantine().length === 2);
    expect(reasons()).toEqual(['unresolved-user', 'unresolved-user']);
    const [row2, row3] = quarantine();
    expect(row2!.rawLine).toHaveLength(8);

    // push-users enrols 0200; it gets uid 2 (above the highest), the uid its quarantined record names.
    const outcome = await first.pushUsers({ upserts: [{ userId: '0200', name: '张伟' }], deletes: [] });
    expect(outcome.failed).toEqual([]);
    expect(device.users.map((u) => [u.uid, u.userId, u.name])).toEqual([
      [1, '0100', '李娜'],
      [2, '0200', '张伟'], // written in GBK, the device's configured charset (the simulator decodes its own table)
    ]);
    // pushUsers re-read the table before returning, and the retry committed with it.
    expect(punches().map((p) => [p.deviceUserId, p.localTime])).toEqual([
      ['0100', '2024-05-01T08:00:00'],
      ['0200', '2024-05-01T09:00:00'],
    ]);
    expect(punches()[1]).toMatchObject({ eventId: eventId('0200', '2024-05-01T09:00:00'), punchedAt: '2024-05-01T09:00:00Z', source: 'backfill', deviceCursor: null, raw: row2!.rawLine.toString('hex') });
    const afterPush = quarantine();
    expect(afterPush.map((q) => [q.id, q.reason])).toEqual([
      [row2!.id, 'resolved:unresolved-user'],
      [row3!.id, 'unresolved-user'],
    ]);
    expect(afterPush[0]!.detail).toContain(eventId('0200', '2024-05-01T09:00:00'));
    expect(afterPush[0]!.rawLine.equals(row2!.rawLine)).toBe(true); // kept for audit with its bytes
    // The resolved punch points at the raw request its record arrived in.
    const ids = store.db.prepare('SELECT raw_request_id AS id FROM punch_outbox WHERE device_serial = ? ORDER BY id').all(serial) as { id: number }[];
    expect(ids[1]!.id).toBe(row2!.rawRequestId);

    // uid 3 is enrolled at the terminal; the gateway hears of it only from the table read after a reconnect.
    device.users.push({ uid: 3, userId: '0300', name: '王明' });
    const connections = first.status!.connections;
    device.disconnectAll();
    await until(() => first.status!.connections > connections && punches().length === 3);
    expect(punches()[2]).toMatchObject({ deviceUserId: '0300', eventId: eventId('0300', '2024-05-01T10:00:00'), source: 'backfill' });
    expect(reasons()).toEqual(['resolved:unresolved-user', 'resolved:unresolved-user']);

    // A restart (nothing handled in memory) re-reads the whole log: the same eventIds, no second outbox row.
    await first.stop();
    const restarted = startRunner();
    await until(() => restarted.status?.lastCompleteCount === 3);
    await restarted.pushUsers({ upserts: [], deletes: [] }); // one more table read and retry
    expect(punches()).toHaveLength(3);
    expect(new Set(punches().map((p) => p.eventId)).size).toBe(3);
    expect(quarantine()).toHaveLength(2);
    // Each record was quarantined once; resolving raised no new quarantine event.
    expect(recorder.events.filter((e) => e.type === 'line-quarantined')).toHaveLength(2);
  });

  it('leaves records whose uid is still unknown quarantined after a table re-read, without adding rows or events', async () => {
    const runner = startRunner();
    await until(() => quarantine().length === 2);
    // 0400 is enrolled at the terminal with uid 4, so the pushed 0500 gets uid 5: uids 2 and 3 stay unknown.
    device.users.push({ uid: 4, userId: '0400', name: 'Four' });
    const outcome = await runner.pushUsers({ upserts: [{ userId: '0500', name: 'Five' }], deletes: [] });
    expect(outcome.failed).toEqual([]);
    expect(device.users.find((u) => u.userId === '0500')?.uid).toBe(5);
    expect(reasons()).toEqual(['unresolved-user', 'unresolved-user']);
    expect(punches()).toHaveLength(1);
    expect(recorder.events.filter((e) => e.type === 'line-quarantined')).toHaveLength(2);
  });
});

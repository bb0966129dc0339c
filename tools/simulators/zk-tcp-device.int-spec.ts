import { ZkDevicePoller, type ZkLogBatch, type ZkPollerEvent } from '../../services/device-gateway/src/zk/zk-device-poller';
import { buildPunchFromZkRecord, type ZkDeviceContext } from '../../services/device-gateway/src/zk/zk-record-punch-builder';
import { withZkSession, ZkTcpSession, type ZkRealtimePunchEvent, type ZkTcpSessionOptions } from '../../services/device-gateway/src/zk/zk-tcp-session';
import { ZkUserDirectory } from '../../services/device-gateway/src/zk/zk-user-directory';
import { generateZkRecords, ZkTcpDevice, type SimRecord } from './zk-tcp-device';
import { SIM_CMD } from './zk-wire';

// The gateway's ZK client against the simulated terminal over real TCP on 127.0.0.1 (port 0). The simulator
// has its own wire code (zk-wire.ts), so a bug shared by both sides cannot hide here.
jest.setTimeout(30_000);

const context: ZkDeviceContext = { tenantId: 'tenant-a', siteId: 'site-1', gatewayId: 'gw-1', deviceSerial: 'ZKSIM0001', timeZone: 'Asia/Kolkata', verifyTable: 'push' };
const receivedAt = new Date('2025-01-01T00:00:00Z');

let devices: ZkTcpDevice[] = [];
let cleanups: (() => Promise<unknown>)[] = [];

async function startDevice(options: Parameters<typeof ZkTcpDevice.start>[0] = {}): Promise<ZkTcpDevice> {
  const device = await ZkTcpDevice.start(options);
  devices.push(device);
  return device;
}

function sessionOptions(device: ZkTcpDevice, extra: Partial<ZkTcpSessionOptions> = {}): ZkTcpSessionOptions {
  return { host: '127.0.0.1', port: device.port, commandTimeoutMs: 1_000, chunkTimeoutMs: 2_000, idleTimeoutMs: 0, ...extra };
}

async function open(device: ZkTcpDevice, extra: Partial<ZkTcpSessionOptions> = {}): Promise<ZkTcpSession> {
  const session = await ZkTcpSession.open(sessionOptions(device, extra));
  cleanups.push(() => session.close());
  return session;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const asDecoded = (r: SimRecord) => ({ userId: r.userId, localTime: r.time.replace(' ', 'T'), verifyCode: r.verify, stateCode: r.state });

afterEach(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const device of devices) {
    // Nothing destructive ever reaches a device (P8): no CLEAR_ATTLOG, no CLEAR_DATA.
    expect(device.counters.destructiveCommands).toBe(0);
    expect(device.commands()).not.toContain(SIM_CMD.CLEAR_ATTLOG);
    await device.stop();
  }
  devices = [];
  cleanups = [];
});

describe('ZK TCP client against the simulated device', () => {
  it('authenticates with the right comm key, is refused with a wrong one, and sends CMD_EXIT both times', async () => {
    const device = await startDevice({ commKey: 123456, records: generateZkRecords(3) });
    const session = await open(device, { commKey: 123456 });
    expect((await session.readFreeSizes()).records).toBe(3);
    expect(await session.close()).toEqual({ exitSent: true, exitAcknowledged: true, deviceReEnabled: null });

    await expect(ZkTcpSession.open(sessionOptions(device, { commKey: 654321 }))).rejects.toMatchObject({ code: 'auth-failed' });
    await waitFor('the EXIT of the refused session', () => device.counters.exits === 2);
    expect(device.commands(2)).toEqual([SIM_CMD.CONNECT, SIM_CMD.AUTH, SIM_CMD.EXIT]);
  });

  it('reads the device serial, so a poller can refuse a device that is not the configured one', async () => {
    const device = await startDevice({ serial: 'CQZ7232460123' });
    const session = await open(device);
    expect(await session.serialNumber()).toBe('CQZ7232460123');
    expect(await session.readOption('~NoSuchOption')).toBeNull();

    const events: ZkPollerEvent[] = [];
    const batches: ZkLogBatch[] = [];
    const poller = new ZkDevicePoller({
      session: sessionOptions(device),
      expectedSerial: 'CQZ7232460999',
      onBatch: async (batch) => void batches.push(batch),
      onEvent: (event) => void events.push(event),
      backoff: { initialMs: 20, maxMs: 50 },
    });
    poller.start();
    cleanups.push(() => poller.stop());
    await waitFor('the wrong-device error', () => events.some((e) => e.type === 'error' && e.code === 'wrong-device'));
    expect(batches).toEqual([]);
  });

  it('reads 5000 40-byte records over several chunks, complete and identical to the device log', async () => {
    const device = await startDevice({ records: generateZkRecords(5000) });
    const session = await open(device);
    const read = await session.readAttendanceLog();
    expect(read).toMatchObject({ complete: true, expectedCount: 5000, recordSize: 40, incompleteReasons: [], chunks: 4, chunkRetries: 0, bytes: 4 + 5000 * 40 });
    expect(read.records.map((r) => ({ userId: r.userId, localTime: r.localTime, verifyCode: r.verifyCode, stateCode: r.stateCode }))).toEqual(device.records.map(asDecoded));
    expect(read.records.every((r, i) => r.index === i && r.timeProblem === null)).toBe(true);

    const built = read.records.map((r) => buildPunchFromZkRecord(r, context, { receivedAt, source: 'pull' }));
    expect(built.filter((b) => !b.ok)).toEqual([]);
    expect(new Set(built.map((b) => b.ok && b.punch.eventId)).size).toBe(5000);

    await session.close();
    expect(device.commands(1)).toEqual([
      SIM_CMD.CONNECT,
      SIM_CMD.GET_FREE_SIZES,
      SIM_CMD.DATA_WRRQ,
      SIM_CMD.DATA_RDY,
      SIM_CMD.DATA_RDY,
      SIM_CMD.DATA_RDY,
      SIM_CMD.DATA_RDY,
      SIM_CMD.FREE_DATA,
      SIM_CMD.EXIT,
    ]);
  });

  it.each([
    ['49-byte (MB560-VL), each chunk in a single CMD_DATA frame', 49 as const, 1200, false],
    ['16-byte, numeric ids mapped through the user table', 16 as const, 300, true],
    ['8-byte, serials mapped through the user table', 8 as const, 200, true],
    ['40-byte, small enough to come inline', 40 as const, 10, false],
  ])('reads %s records', async (_name, recordSize, count, needsUsers) => {
    const records = generateZkRecords(count, { employees: 20 });
    const users = Array.from({ length: 20 }, (_, i) => ({ uid: i + 1, userId: String(1001 + i), name: `Employee ${i + 1}` }));
    const device = await startDevice({ recordSize, records, users, dataFrameBytes: recordSize === 49 ? 0x10000 : undefined });
    const session = await open(device);
    const read = await session.readAttendanceLog();
    expect(read).toMatchObject({ complete: true, expectedCount: count, recordSize });
    const directory = needsUsers ? new ZkUserDirectory((await session.readUsers()).users) : null;
    const punches = read.records.map((r) => buildPunchFromZkRecord(r, context, { receivedAt, source: 'pull', users: directory }));
    expect(punches.map((p) => (p.ok ? [p.punch.deviceUserId, p.punch.localTime] : [p.reason]))).toEqual(records.map((r) => [r.userId, r.time.replace(' ', 'T')]));
  });

  it('reports a read as partial when the device count does not match what it sends (P1)', async () => {
    const device = await startDevice({ records: generateZkRecords(5000) });
    device.faults.recordCountDelta = 3;
    const session = await open(device);
    const more = await session.readAttendanceLog();
    expect(more).toMatchObject({ complete: false, expectedCount: 5003 });
    expect(more.records).toHaveLength(5000); // delivered, flagged, never silently "complete"
    expect(more.incompleteReasons).toEqual(['decoded 5000 records but the device reports 5003']);

    device.faults.recordCountDelta = -1;
    const fewer = await session.readAttendanceLog();
    expect(fewer).toMatchObject({ complete: false, expectedCount: 4999 });

    // A device that claims an empty log while holding one (pyzk#170) is read anyway and flagged.
    device.faults.recordCountDelta = -5000;
    const claimsEmpty = await session.readAttendanceLog();
    expect(claimsEmpty).toMatchObject({ complete: false, expectedCount: 0, recordSize: 40 });
    expect(claimsEmpty.records).toHaveLength(5000);
  });

  it('reads an empty log as complete', async () => {
    const device = await startDevice({ records: [] });
    const session = await open(device);
    expect(await session.readAttendanceLog()).toMatchObject({ complete: true, expectedCount: 0, records: [] });
  });

  it('accepts a read during which a punch landed, by re-reading the count', async () => {
    const device = await startDevice({ records: generateZkRecords(2000) });
    const session = await open(device);
    // The count is taken before the punch and the dataset after it: 2000 vs 2001 records.
    device.afterCommand = (command) => {
      if (command !== SIM_CMD.GET_FREE_SIZES) return;
      device.afterCommand = null;
      device.punch({ uid: 1, userId: '1001', verify: 1, state: 0, time: '2024-03-01 09:00:00' });
    };
    const read = await session.readAttendanceLog();
    expect(read).toMatchObject({ complete: true, expectedCount: 2001, recordSize: 40 });
    expect(device.commands(1).filter((c) => c === SIM_CMD.GET_FREE_SIZES)).toHaveLength(2);
  });

  it('times out a lost chunk reply and retries that chunk only', async () => {
    const device = await startDevice({ records: generateZkRecords(3000) });
    device.faults.swallowChunkRequests = 1;
    const session = await open(device, { chunkTimeoutMs: 300 });
    const read = await session.readAttendanceLog();
    expect(read).toMatchObject({ complete: true, expectedCount: 3000, chunks: 2, chunkRetries: 1 });
  });

  it('delivers realtime punches and acknowledges each one; their eventIds match the bulk read', async () => {
    const device = await startDevice({ records: generateZkRecords(5) });
    const session = await open(device);
    const events: ZkRealtimePunchEvent[] = [];
    await session.onRealtimePunch((event) => void events.push(event));
    const punches = [
      { uid: 7, userId: '0007', verify: 15, state: 0, time: '2024-03-01 09:00:00' },
      { uid: 8, userId: 'E-8', verify: 4, state: 1, time: '2024-03-01 09:00:07' },
      { uid: 9, userId: '1009', verify: 1, state: 2, time: '2024-03-01 09:01:00' },
    ];
    punches.forEach((p) => device.punch(p));
    await waitFor('three events', () => events.length === 3);
    expect(events.map((e) => (e.ok ? [e.event.userId, e.event.localTime, e.event.verifyCode, e.event.stateCode] : e.reason))).toEqual(
      punches.map((p) => [p.userId, p.time.replace(' ', 'T'), p.verify, p.state]),
    );
    await waitFor('three acks', () => device.eventAcks.length === 3);
    expect(device.eventAcks).toEqual(punches.map(() => ({ connection: 1, sessionId: session.sessionId })));

    const read = await session.readAttendanceLog();
    const bulkIds = new Set(read.records.map((r) => buildPunchFromZkRecord(r, context, { receivedAt, source: 'pull' })).map((b) => b.ok && b.punch.eventId));
    for (const e of events) {
      const live = e.ok ? buildPunchFromZkRecord(e.event, context, { receivedAt, source: 'realtime' }) : null;
      expect(live?.ok && bulkIds.has(live.punch.eventId)).toBe(true);
    }
  });

  it('ends a session whose device stops answering, through the idle watchdog (P7)', async () => {
    const device = await startDevice({ records: generateZkRecords(5) });
    const session = await open(device, { idleTimeoutMs: 400, heartbeatIntervalMs: 100, commandTimeoutMs: 150 });
    await new Promise((resolve) => setTimeout(resolve, 600)); // heartbeats keep a healthy device alive
    expect(session.isOpen).toBe(true);
    device.faults.silent = true;
    const started = Date.now();
    const end = await session.ended;
    expect(end).toMatchObject({ byGateway: false, error: { code: 'idle-timeout' } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('always sends ENABLEDEVICE and CMD_EXIT, also when the read fails or the work throws', async () => {
    const device = await startDevice({ records: generateZkRecords(3000) });
    device.faults.swallowChunkRequests = 99;
    const read = await withZkSession(sessionOptions(device, { chunkTimeoutMs: 150, chunkAttempts: 2 }), (session) => session.readAttendanceLog({ disableDevice: true }));
    expect(read.complete).toBe(false);
    expect(read.incompleteReasons[0]).toMatch(/failed on every attempt/);
    await waitFor('EXIT', () => device.counters.exits === 1);
    expect(device.commands(1)).toEqual([
      SIM_CMD.CONNECT,
      SIM_CMD.GET_FREE_SIZES,
      SIM_CMD.DISABLE_DEVICE,
      SIM_CMD.DATA_WRRQ,
      SIM_CMD.DATA_RDY,
      SIM_CMD.DATA_RDY,
      SIM_CMD.FREE_DATA,
      SIM_CMD.ENABLE_DEVICE,
      SIM_CMD.EXIT,
    ]);

    device.faults.swallowChunkRequests = 0;
    await expect(withZkSession(sessionOptions(device), async () => Promise.reject(new Error('storage failed')))).rejects.toThrow('storage failed');
    await waitFor('second EXIT', () => device.counters.exits === 2);
  });
});

describe('ZkDevicePoller against the simulated device', () => {
  function startPoller(device: ZkTcpDevice, extra: Partial<ZkTcpSessionOptions> = {}) {
    const batches: ZkLogBatch[] = [];
    const events: ZkPollerEvent[] = [];
    const realtime: ZkRealtimePunchEvent[] = [];
    const poller = new ZkDevicePoller({
      session: sessionOptions(device, extra),
      onBatch: async (batch) => void batches.push(batch),
      onRealtimePunch: (event) => void realtime.push(event),
      onEvent: (event) => void events.push(event),
      backoff: { initialMs: 20, maxMs: 200 },
      partialRetryDelayMs: 50,
      reconcileIntervalMs: 60_000,
    });
    poller.start();
    cleanups.push(() => poller.stop());
    return { poller, batches, events, realtime };
  }

  it('reconnects after a connection dropped mid-transfer and backfills the whole log', async () => {
    const device = await startDevice({ records: generateZkRecords(5000) });
    device.faults.dropConnectionAtChunk = 1;
    const { poller, batches, events } = startPoller(device);
    await waitFor('a complete batch', () => batches.some((b) => b.read.complete));
    const complete = batches.find((b) => b.read.complete)!;
    expect(complete).toMatchObject({ trigger: 'reconnect', connection: 2, read: { expectedCount: 5000 } });
    expect(complete.read.records).toHaveLength(5000);
    expect(events.find((e) => e.type === 'session-ended')).toMatchObject({ code: 'closed', byGateway: false });
    expect(events.some((e) => e.type === 'backoff')).toBe(true);
    expect(poller.status).toMatchObject({ state: 'connected', lastCompleteCount: 5000, connections: 2 });
    await poller.stop();
    expect(device.commands(2).at(-1)).toBe(SIM_CMD.EXIT);
  });

  it('retries a partial read without counting it, then recovers when the device count is right again', async () => {
    const device = await startDevice({ records: generateZkRecords(500) });
    device.faults.recordCountDelta = 1;
    const { poller, batches } = startPoller(device);
    await waitFor('two partial batches', () => batches.length >= 2);
    expect(batches.every((b) => !b.read.complete)).toBe(true);
    expect(batches[1]!.trigger).toBe('retry');
    expect(poller.status.lastCompleteCount).toBeNull();
    device.faults.recordCountDelta = 0;
    await waitFor('a complete batch', () => batches.some((b) => b.read.complete), 5_000);
    expect(poller.status.lastCompleteCount).toBe(500);
  });

  it('registers realtime first, survives a silent device through the watchdog, and backfills after reconnecting', async () => {
    const device = await startDevice({ records: generateZkRecords(50) });
    const { batches, events, realtime } = startPoller(device, { idleTimeoutMs: 400, heartbeatIntervalMs: 100, commandTimeoutMs: 150 });
    await waitFor('the first read', () => batches.length === 1);
    expect(device.commands(1).slice(0, 3)).toEqual([SIM_CMD.CONNECT, SIM_CMD.REG_EVENT, SIM_CMD.GET_FREE_SIZES]);
    device.punch({ uid: 3, userId: '1003', verify: 1, state: 0, time: '2024-03-01 10:00:00' });
    await waitFor('the realtime punch', () => realtime.length === 1);

    device.faults.silent = true;
    await waitFor('the watchdog', () => events.some((e) => e.type === 'session-ended' && e.code === 'idle-timeout'));
    device.punch({ uid: 4, userId: '1004', verify: 1, state: 1, time: '2024-03-01 10:05:00' }); // missed live: device is hung
    device.faults.silent = false;
    await waitFor('the backfill read', () => batches.some((b) => b.trigger === 'reconnect' && b.read.complete));
    const backfill = batches.find((b) => b.trigger === 'reconnect')!;
    expect(backfill.read.records).toHaveLength(52);
    expect(backfill.read.records.at(-1)).toMatchObject({ userId: '1004', localTime: '2024-03-01T10:05:00' });
  });
});

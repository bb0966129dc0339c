import { ZkDevicePoller, type ZkLogBatch } from '../../services/device-gateway/src/zk/zk-device-poller';
import { ZkTcpSession, type ZkTcpSessionOptions } from '../../services/device-gateway/src/zk/zk-tcp-session';
import { ZkTcpDevice } from './zk-tcp-device';
import { SIM_CMD } from './zk-wire';

// The gateway's user write (CMD_USER_WRQ / CMD_DELETE_USER / CMD_REFRESHDATA) against the simulated terminal over
// real TCP. The simulator decodes the records with its own wire code, so a layout bug shared by both sides
// cannot hide here.
jest.setTimeout(30_000);

let devices: ZkTcpDevice[] = [];
let sessions: ZkTcpSession[] = [];

async function setUp(options: Parameters<typeof ZkTcpDevice.start>[0], extra: Partial<ZkTcpSessionOptions> = {}) {
  const device = await ZkTcpDevice.start(options);
  devices.push(device);
  const session = await ZkTcpSession.open({ host: '127.0.0.1', port: device.port, commandTimeoutMs: 1_000, chunkTimeoutMs: 2_000, idleTimeoutMs: 0, ...extra });
  sessions.push(session);
  return { device, session };
}

afterEach(async () => {
  for (const session of sessions) await session.close();
  for (const device of devices) {
    // The attendance log is never touched by a user push.
    expect(device.counters.destructiveCommands).toBe(0);
    await device.stop();
  }
  devices = [];
  sessions = [];
});

describe('ZK user writes against the simulated terminal', () => {
  it('adds new users above the highest uid, updates an enrolled one in place, deletes one, and refreshes once', async () => {
    const { device, session } = await setUp({
      users: [
        { uid: 1, userId: '0012', name: 'Old Name', privilege: 14, password: '4321', cardNumber: 555_000 },
        { uid: 4, userId: '77', name: 'Leaving' },
      ],
    });
    const report = await session.writeUsers({
      upserts: [
        { userId: '0012', name: 'Ravi Kumar' },
        { userId: '12', name: 'Zoë Müller' },
        { userId: '5001', name: null },
      ],
      deletes: ['77', 'never-enrolled'],
    });
    expect(report.results).toEqual([
      { userId: '0012', action: 'write', ok: true, uid: 1, created: false },
      { userId: '12', action: 'write', ok: true, uid: 5, created: true },
      { userId: '5001', action: 'write', ok: true, uid: 6, created: true },
      { userId: '77', action: 'delete', ok: true, uid: 4, created: false },
      { userId: 'never-enrolled', action: 'delete', ok: true, uid: null, created: false },
    ]);
    expect(report).toMatchObject({ recordSize: 72, refreshed: true });
    // What the device now holds, decoded by the simulator: the admin's password, card and privilege survived.
    expect(device.users).toEqual([
      { uid: 1, userId: '0012', name: 'Ravi Kumar', privilege: 14, password: '4321', cardNumber: 555_000 },
      { uid: 5, userId: '12', name: 'Zoë Müller', privilege: 0, password: '', cardNumber: 0 },
      { uid: 6, userId: '5001', name: '', privilege: 0, password: '', cardNumber: 0 },
    ]);
    expect(device.counters).toMatchObject({ userWrites: 3, userDeletes: 1, refreshes: 1, refusedUserCommands: 0 });
    // Writes come after the table read and before the one refresh.
    const sent = device.commands();
    expect(sent.indexOf(SIM_CMD.USER_WRQ)).toBeGreaterThan(sent.lastIndexOf(SIM_CMD.DATA_WRRQ));
    expect(sent.lastIndexOf(SIM_CMD.REFRESH_DATA)).toBeGreaterThan(sent.lastIndexOf(SIM_CMD.DELETE_USER));
    // Read back through the gateway's own decoder.
    expect((await session.readUsers()).users.map((u) => [u.uid, u.userId, u.name])).toEqual([
      [1, '0012', 'Ravi Kumar'],
      [5, '12', 'Zoë Müller'],
      [6, '5001', ''],
    ]);
  });

  it('refuses a name that does not fit the device before sending anything for that user, and reports the full device per user', async () => {
    const { device, session } = await setUp({ users: [{ uid: 1, userId: '1', name: 'A' }], userCapacity: 2 });
    const report = await session.writeUsers({
      upserts: [
        { userId: '2', name: '张伟'.repeat(5) }, // 30 bytes of UTF-8 for a 24-byte field
        { userId: '3', name: 'Fits' },
        { userId: '4', name: 'One Too Many' },
      ],
      deletes: [],
    });
    expect(report.results).toEqual([
      expect.objectContaining({ userId: '2', ok: false, code: 'name-too-long', source: 'gateway' }),
      { userId: '3', action: 'write', ok: true, uid: 2, created: true }, // the refused name took no uid
      expect.objectContaining({ userId: '4', ok: false, code: 'ack-error', source: 'device' }),
    ]);
    expect(device.users.map((u) => u.userId)).toEqual(['1', '3']);
    expect(device.counters).toMatchObject({ userWrites: 1, refusedUserCommands: 1 }); // the long name never reached it
  });

  it('writes the 28-byte layout on old firmware and refuses a PIN that layout cannot hold', async () => {
    const { device, session } = await setUp({ userRecordSize: 28, users: [{ uid: 3, userId: '900', name: 'Old' }] });
    const report = await session.writeUsers({ upserts: [{ userId: '901', name: 'Short' }, { userId: '0902', name: 'Lead' }, { userId: '900', name: 'Renamed' }], deletes: [] });
    expect(report.recordSize).toBe(28);
    expect(report.results.map((r) => (r.ok ? `${r.userId}:${r.uid}` : `${r.userId}:${r.code}`))).toEqual(['901:4', '0902:user-id-not-numeric', '900:3']);
    expect(device.users.map((u) => [u.uid, u.userId, u.name])).toEqual([
      [3, '900', 'Renamed'],
      [4, '901', 'Short'],
    ]);
  });

  it('validates names in the configured charset: Latin-1 devices take 24 accented letters and refuse CJK', async () => {
    const { device, session } = await setUp({ userCharset: 'latin1' }, { userCharset: 'latin1' });
    const report = await session.writeUsers({ upserts: [{ userId: '1', name: 'é'.repeat(24) }, { userId: '2', name: '张伟' }], deletes: [] });
    expect(report.results.map((r) => r.ok || r.code)).toEqual([true, 'name-not-encodable']);
    expect(device.users).toEqual([expect.objectContaining({ uid: 1, userId: '1', name: 'é'.repeat(24) })]);
    // And read back in Latin-1 (as UTF-8, the 0xE9 bytes would be U+FFFD).
    expect((await session.readUsers()).users.map((u) => u.name)).toEqual(['é'.repeat(24)]);
  });

  it('reads and writes GBK names on a Chinese terminal: code-chart bytes on the wire, GBK-only characters refused on GB2312', async () => {
    const { device, session } = await setUp({ userCharset: 'gbk', users: [{ uid: 1, userId: '1', name: '李娜' }] }, { userCharset: 'gbk' });
    // Read: the terminal's GBK bytes decode to the name (as UTF-8 they would be garbage).
    expect((await session.readUsers()).users.map((u) => u.name)).toEqual(['李娜']);
    const report = await session.writeUsers({
      upserts: [
        { userId: '1', name: '王明' }, // rename in place
        { userId: '2', name: '张伟' },
        { userId: '3', name: '张'.repeat(13) }, // 26 GBK bytes for a 24-byte field
        { userId: '4', name: 'Zhang 张 😀' }, // no GBK code
      ],
      deletes: [],
    });
    expect(report.results.map((r) => r.ok || r.code)).toEqual([true, true, 'name-too-long', 'name-not-encodable']);
    // The simulator decodes with its own code-chart table: a wrong byte would show as U+FFFD.
    expect(device.users.map((u) => [u.uid, u.userId, u.name])).toEqual([
      [1, '1', '王明'],
      [2, '2', '张伟'],
    ]);
    expect((await session.readUsers()).users.map((u) => u.name)).toEqual(['王明', '张伟']);

    const old = await setUp({ userCharset: 'gbk' }, { userCharset: 'gb2312' });
    const refused = await old.session.writeUsers({ upserts: [{ userId: '5', name: '張偉' }, { userId: '6', name: '张伟' }], deletes: [] });
    expect(refused.results.map((r) => r.ok || r.code)).toEqual(['name-not-encodable', true]);
    expect(old.device.users.map((u) => u.name)).toEqual(['张伟']);
  });

  it('writes nothing when the user table read is incomplete (the uids in use are unknown)', async () => {
    const { device, session } = await setUp({ users: [{ uid: 1, userId: '1', name: 'A' }, { uid: 2, userId: '2', name: 'B' }] });
    // The device counts 3 users, but its table holds 2 by the time it is read: the read cannot be trusted.
    const original = device.users.slice();
    device.users.push({ uid: 3, userId: '3', name: 'C' });
    device.afterCommand = (command) => {
      if (command === SIM_CMD.GET_FREE_SIZES && device.users.length === 3) device.users.pop();
    };
    await expect(session.writeUsers({ upserts: [{ userId: '9', name: 'New' }], deletes: [] })).rejects.toMatchObject({ code: 'protocol' });
    expect(device.users).toEqual(original);
    expect(device.commands()).not.toContain(SIM_CMD.USER_WRQ);
  });

  it('sends nothing, not even a refresh, for an empty push', async () => {
    const { device, session } = await setUp({ users: [{ uid: 1, userId: '1', name: 'A' }] });
    expect((await session.writeUsers({ upserts: [], deletes: [] })).results).toEqual([]);
    expect(device.commands()).not.toContain(SIM_CMD.DELETE_USER);
    expect(device.commands()).not.toContain(SIM_CMD.USER_WRQ);
    expect(device.counters.refreshes).toBe(0);
  });

  it('lets uid-only records of a user pushed mid-session resolve to their PIN once the poller re-reads the table', async () => {
    const device = await ZkTcpDevice.start({ recordSize: 8, users: [{ uid: 1, userId: '0100', name: 'A' }], records: [{ uid: 1, userId: '0100', verify: 1, state: 0, time: '2024-05-01 08:00:00' }] });
    devices.push(device);
    const batches: ZkLogBatch[] = [];
    const poller = new ZkDevicePoller({
      session: { host: '127.0.0.1', port: device.port, commandTimeoutMs: 1_000, chunkTimeoutMs: 2_000, idleTimeoutMs: 0 },
      readUsers: true,
      onBatch: async (batch) => void batches.push(batch),
      backoff: { initialMs: 20, maxMs: 50 },
      reconcileIntervalMs: 60_000,
    });
    poller.start();
    try {
      const deadline = Date.now() + 10_000;
      while (batches.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const report = await poller.withSession((session) => session.writeUsers({ upserts: [{ userId: '0200', name: 'New' }], deletes: [] }));
      expect(report.results).toEqual([expect.objectContaining({ userId: '0200', ok: true, uid: 2 })]);
      await poller.refreshUsers();
      device.records.push({ uid: 2, userId: '0200', verify: 1, state: 0, time: '2024-05-01 09:00:00' });
      poller.requestRead();
      while (batches.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(batches[0]!.users!.userIdOfSerial(2)).toBeUndefined();
      expect(batches[1]!.users!.userIdOfSerial(2)).toBe('0200');
    } finally {
      await poller.stop();
    }
  });
});

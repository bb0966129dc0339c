import { punchEventId, TOPICS } from '@attendance/contracts';
import { decodeZkAttendanceRecord } from './zk-attendance-record';
import { decodeZkPayload } from './zk-packet';
import { decodeZkRealtimeAttendance } from './zk-realtime-event';
import { buildPunchFromZkRecord, type ZkDeviceContext } from './zk-record-punch-builder';
import { encodeZkPackedTime } from './zk-time';
import { ZkUserDirectory } from './zk-user-directory';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

const device: ZkDeviceContext = { tenantId: 'tenant-a', siteId: 'site-1', gatewayId: 'gw-1', deviceSerial: 'ZK0001', timeZone: 'Asia/Kolkata', verifyTable: 'push' };
const receivedAt = new Date('2024-06-01T10:00:00Z');

function record16(userId: number, time: string, verify: number, state: number, workCode: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(userId, 0);
  b.writeUInt32LE(encodeZkPackedTime(time), 4);
  b[8] = verify;
  b[9] = state;
  b.writeUInt32LE(workCode, 12);
  return b;
}
function record40(userId: string, time: string, verify = 1, state = 0): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(7, 0);
  b.write(userId, 2);
  b[26] = verify;
  b.writeUInt32LE(encodeZkPackedTime(time), 27);
  b[31] = state;
  return b;
}

describe(buildPunchFromZkRecord.name, () => {
  it('builds a contract-valid zk-tcp punch from the brief worked example, cursor = log index, raw = hex', () => {
    const record = decodeZkAttendanceRecord(ZK_FIXTURES.RECORD_40_WORKED_EXAMPLE, 41)!;
    const built = buildPunchFromZkRecord(record, device, { receivedAt, source: 'pull' });
    expect(built).toMatchObject({ ok: true, userIdVia: 'record' });
    if (!built.ok) return;
    expect(TOPICS.punchRaw.schema.safeParse(built.punch).success).toBe(true);
    expect(built.punch).toMatchObject({
      protocol: 'zk-tcp',
      source: 'pull',
      deviceUserId: '999111333',
      localTime: '2018-06-25T17:50:35',
      punchedAt: '2018-06-25T12:20:35Z',
      timeZone: 'Asia/Kolkata',
      direction: 'in',
      directionRaw: '0',
      verifyMode: 'fingerprint',
      verifyModeRaw: '1',
      workCode: null,
      deviceCursor: '41',
      raw: ZK_FIXTURES.RECORD_40_WORKED_EXAMPLE.toString('hex'),
      flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
    });
    expect(built.punch.eventId).toBe(punchEventId({ tenantId: 'tenant-a', deviceSerial: 'ZK0001', deviceUserId: '999111333', localTime: '2018-06-25 17:50:35' }));
  });

  it('gives a realtime event and the bulk record of the same punch the same eventId (one row, DESIGN 3.2)', () => {
    const decoded = decodeZkPayload(ZK_FIXTURES.LIVE_EVENT_12);
    const event = decodeZkRealtimeAttendance((decoded as Extract<typeof decoded, { ok: true }>).packet.data);
    if (!event.ok) throw new Error('fixture must decode');
    const live = buildPunchFromZkRecord(event.event, device, { receivedAt, source: 'realtime' });
    const bulk = buildPunchFromZkRecord(decodeZkAttendanceRecord(record16(4822257, '2018-12-07 19:09:06', 0, 0, 0), 9)!, device, { receivedAt, source: 'pull' });
    expect(live.ok && bulk.ok).toBe(true);
    if (!live.ok || !bulk.ok) return;
    expect(live.punch.eventId).toBe(bulk.punch.eventId);
    expect([live.punch.source, live.punch.deviceCursor, bulk.punch.deviceCursor]).toEqual(['realtime', null, '9']);
    expect(live.punch.raw).toBe('f19449000000120c07130906');
  });

  it('maps a 16-byte numeric id to the enrolled user id string, and uses the device verify table', () => {
    const users = new ZkUserDirectory([{ uid: 3, userId: '0042' }]);
    const record = decodeZkAttendanceRecord(record16(42, '2024-05-31 09:15:00', 2, 1, 7), 0)!;
    const push = buildPunchFromZkRecord(record, device, { receivedAt, source: 'pull', users });
    const bw = buildPunchFromZkRecord(record, { ...device, verifyTable: 'bw' }, { receivedAt, source: 'pull', users });
    expect(push).toMatchObject({ ok: true, userIdVia: 'table-numeric-user-id', punch: { deviceUserId: '0042', workCode: '7', direction: 'out', verifyMode: 'user-id', verifyModeRaw: '2' } });
    expect(bw).toMatchObject({ ok: true, punch: { verifyMode: 'card', verifyModeRaw: '2' } });
  });

  it.each([
    ['before 2010 (reset clock)', record40('5', '2000-01-01 00:00:00'), 'implausible-time'],
    ['more than a day ahead', record40('5', '2024-06-03 10:00:00'), 'implausible-time'],
  ])('rejects a record %s for quarantine', (_what, bytes, reason) => {
    const built = buildPunchFromZkRecord(decodeZkAttendanceRecord(bytes, 0)!, device, { receivedAt, source: 'pull' });
    expect(built).toMatchObject({ ok: false, reason });
  });

  it('rejects impossible dates and unnamed users with a reason, and flags a clock a few hours ahead', () => {
    const feb31 = record40('5', '2024-02-28 10:00:00');
    feb31.writeUInt32LE(encodeZkPackedTime('2024-02-28 10:00:00') + 3 * 86400, 27);
    expect(buildPunchFromZkRecord(decodeZkAttendanceRecord(feb31, 0)!, device, { receivedAt, source: 'pull' })).toEqual({
      ok: false,
      reason: 'invalid-date',
      detail: 'device time 2024-02-31 10:00:00 is not a real date',
    });
    const serialOnly = Buffer.alloc(8);
    serialOnly.writeUInt16LE(12, 0);
    serialOnly.writeUInt32LE(encodeZkPackedTime('2024-05-31 09:15:00'), 3);
    expect(buildPunchFromZkRecord(decodeZkAttendanceRecord(serialOnly, 0)!, device, { receivedAt, source: 'pull' })).toMatchObject({ ok: false, reason: 'unresolved-user' });
    expect(buildPunchFromZkRecord(decodeZkAttendanceRecord(serialOnly, 0)!, device, { receivedAt, source: 'pull', allowSerialAsUserId: true })).toMatchObject({ ok: true, punch: { deviceUserId: '12' } });
    const ahead = buildPunchFromZkRecord(decodeZkAttendanceRecord(record40('5', '2024-06-01 17:30:00'), 0)!, device, { receivedAt, source: 'pull' });
    expect(ahead).toMatchObject({ ok: true, punch: { flags: { clockSuspect: true } } });
  });

  it('quarantines ids the contract refuses instead of altering them', () => {
    const padded = buildPunchFromZkRecord(decodeZkAttendanceRecord(record40(' 12', '2024-05-31 09:15:00'), 0)!, device, { receivedAt, source: 'pull' });
    expect(padded).toMatchObject({ ok: false, reason: 'contract-violation' });
  });
});

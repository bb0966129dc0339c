import { decodeZkUserIdString, type ZkPunchFields, type ZkRecordDecodeOptions } from './zk-attendance-record';
import { decodeZkEventTime, zkTimeProblem } from './zk-time';

/**
 * EF_ATTLOG realtime event payloads (brief §2.8, pyzk `live_capture`). The layout depends on firmware and is
 * told apart by payload length:
 *
 *   10 B  u16 userId | u8 verify | u8 state | 6 B time
 *   12 B  u32 userId | u8 verify | u8 state | 6 B time                      (pyzk fixture: user 4822257)
 *   14 B  u16 userId | u8 verify | u8 state | 6 B time | 4 B extra
 *   32 B  char[24] userId | u8 verify | u8 state | 6 B time
 *   36 B  char[24] userId | u8 verify | u8 state | 6 B time | 4 B extra
 *   37 B  char[24] userId | u8 verify | u8 state | 6 B time | 5 B extra
 *  >=52 B char[24] userId | u8 verify | u8 state | 6 B time | 20+ B extra
 *
 * One event per packet. pyzk loops over "several events" in one payload but picks each layout by the length
 * of what is left, which misreads two concatenated 36-byte events as one 52-byte event; we do not guess.
 * Events are a latency optimisation only: every punch also comes back through the bulk read after it, so an
 * undecodable event is reported with its bytes and costs nothing but latency.
 */
export interface ZkRealtimeAttendance extends ZkPunchFields {
  /** Payload length, i.e. which layout was used. */
  layoutSize: number;
  extraHex: string | null;
}

export type ZkRealtimeDecode =
  | { ok: true; event: ZkRealtimeAttendance }
  | { ok: false; reason: 'unknown-layout' | 'bad-checksum'; detail: string; rawHex: string };

const NUMERIC_LAYOUTS: ReadonlyMap<number, 2 | 4> = new Map([
  [10, 2],
  [12, 4],
  [14, 2],
]);

export function decodeZkRealtimeAttendance(data: Buffer, options: ZkRecordDecodeOptions = {}): ZkRealtimeDecode {
  const size = data.length;
  const rawHex = data.toString('hex');
  const idWidth = NUMERIC_LAYOUTS.get(size);
  if (idWidth !== undefined) {
    const userId = String(idWidth === 2 ? data.readUInt16LE(0) : data.readUInt32LE(0));
    const tail = data.subarray(idWidth + 8);
    return build(data.subarray(idWidth), { userId, userIdKind: 'numeric', userIdProblem: null }, size, tail, rawHex, options);
  }
  if (size === 32 || size === 36 || size === 37 || size >= 52) {
    const id = decodeZkUserIdString(data.subarray(0, 24));
    const kind = id.value === null && id.problem === null ? 'serial-only' : 'string';
    return build(data.subarray(24), { userId: id.value, userIdKind: kind, userIdProblem: id.problem }, size, data.subarray(32), rawHex, options);
  }
  return { ok: false, reason: 'unknown-layout', detail: `no known EF_ATTLOG layout has ${size} bytes`, rawHex };
}

function build(
  afterId: Buffer,
  id: Pick<ZkPunchFields, 'userId' | 'userIdKind' | 'userIdProblem'>,
  layoutSize: number,
  extra: Buffer,
  rawHex: string,
  options: ZkRecordDecodeOptions,
): ZkRealtimeDecode {
  // Every layout has at least 8 bytes after the id (verify, state, 6-byte time), so the time is present.
  const time = decodeZkEventTime(afterId.subarray(2, 8))!;
  return {
    ok: true,
    event: {
      ...id,
      userSn: null,
      verifyCode: afterId[0]!,
      stateCode: afterId[1]!,
      workCode: null,
      time,
      localTime: time.localTime,
      timeProblem: zkTimeProblem(time, options),
      rawHex,
      layoutSize,
      extraHex: extra.length > 0 ? extra.toString('hex') : null,
    },
  };
}

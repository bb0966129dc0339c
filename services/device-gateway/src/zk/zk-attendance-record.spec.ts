import { decodeZkAttendanceDataset, inferZkRecordSize } from './zk-attendance-dataset';
import { decodeZkAttendanceRecord } from './zk-attendance-record';
import { encodeZkPackedTime } from './zk-time';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

function prng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff);
}

/** Test-side record writer (the simulator has its own, independent one). */
function record40(userSn: number, userId: string, verify: number, time: string, state: number, size = 40): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt16LE(userSn, 0);
  b.write(userId, 2, 24, 'utf8');
  b[26] = verify;
  b.writeUInt32LE(encodeZkPackedTime(time), 27);
  b[31] = state;
  return b;
}
function dataset(records: Buffer[]): Buffer {
  const body = Buffer.concat(records);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

describe('ZK attendance records', () => {
  it('decodes the brief 40-byte worked example and keeps its bytes', () => {
    const record = decodeZkAttendanceRecord(ZK_FIXTURES.RECORD_40_WORKED_EXAMPLE, 0);
    expect(record).toMatchObject({
      userSn: 13,
      userId: '999111333',
      userIdKind: 'string',
      verifyCode: 1,
      stateCode: 0,
      packedTime: 0x2368b36b,
      localTime: '2018-06-25T17:50:35',
      timeProblem: null,
      extraHex: '00000000ff000000',
      rawHex: ZK_FIXTURES.RECORD_40_WORKED_EXAMPLE.toString('hex'),
    });
  });

  it('decodes the 16-byte layout (numeric id, workcode) and both 8-byte layouts', () => {
    const r16 = Buffer.alloc(16);
    r16.writeUInt32LE(4822257, 0);
    r16.writeUInt32LE(encodeZkPackedTime('2024-03-01 08:00:05'), 4);
    r16[8] = 15;
    r16[9] = 1;
    r16.writeUInt32LE(7, 12);
    expect(decodeZkAttendanceRecord(r16, 3)).toMatchObject({ index: 3, userId: '4822257', userIdKind: 'numeric', userSn: null, verifyCode: 15, stateCode: 1, workCode: 7, localTime: '2024-03-01T08:00:05' });

    const time = encodeZkPackedTime('2024-03-01 08:00:05');
    const std = Buffer.alloc(8);
    std.writeUInt16LE(12, 0);
    std[2] = 1;
    std.writeUInt32LE(time, 3);
    std[7] = 4;
    expect(decodeZkAttendanceRecord(std, 0)).toMatchObject({ userId: null, userIdKind: 'serial-only', userSn: 12, verifyCode: 1, stateCode: 4, localTime: '2024-03-01T08:00:05' });
    const ma300 = Buffer.alloc(8);
    ma300.writeUInt16LE(12, 0);
    ma300[2] = 1;
    ma300[3] = 4;
    ma300.writeUInt32LE(time, 4);
    expect(decodeZkAttendanceRecord(ma300, 0, { eightByteLayout: 'uid-verify-state-time' })).toMatchObject({ userSn: 12, stateCode: 4, localTime: '2024-03-01T08:00:05' });
    // Read with the wrong layout the time is garbage (2039 here): an upper bound catches it (the punch builder
    // applies receivedAt + 1 day), which is why the layout is device configuration and never guessed.
    expect(decodeZkAttendanceRecord(ma300, 0)?.localTime).toBe('2039-12-04T22:41:08');
    expect(decodeZkAttendanceRecord(ma300, 0, { latest: '2025-01-01T00:00:00' })?.timeProblem).toBe('after-latest');
  });

  it('decodes 49-byte records by their 32-byte prefix and keeps the extras (MB560-VL, pyzk#174)', () => {
    const r = record40(2, '1001', 15, '2022-07-12 16:00:20', 1, 49);
    r.fill(0xab, 40);
    expect(decodeZkAttendanceRecord(r, 0)).toMatchObject({ userId: '1001', verifyCode: 15, stateCode: 1, localTime: '2022-07-12T16:00:20', recordSize: 49 });
    expect(decodeZkAttendanceRecord(r, 0)!.extraHex).toBe('0000000000000000' + 'ab'.repeat(9));
  });

  it('keeps ids as enrolled (leading zeros, letters), flags invalid UTF-8 and falls back to the serial for an empty id', () => {
    expect(decodeZkAttendanceRecord(record40(1, '0012', 1, '2024-01-01 08:00:00', 0), 0)?.userId).toBe('0012');
    expect(decodeZkAttendanceRecord(record40(1, 'A-7', 1, '2024-01-01 08:00:00', 0), 0)?.userId).toBe('A-7');
    const bad = record40(1, '', 1, '2024-01-01 08:00:00', 0);
    bad[2] = 0xc3;
    bad[3] = 0x28;
    expect(decodeZkAttendanceRecord(bad, 0)).toMatchObject({ userId: null, userIdProblem: 'undecodable-user-id' });
    expect(decodeZkAttendanceRecord(record40(9, '', 1, '2024-01-01 08:00:00', 0), 0)).toMatchObject({ userId: null, userIdKind: 'serial-only', userSn: 9 });
  });

  it('returns records with impossible or implausible times, with their raw bytes, for quarantine', () => {
    const reset = record40(1, '5', 1, '2000-01-01 00:00:00', 0);
    const feb31 = record40(1, '5', 1, '2024-02-28 10:00:00', 0);
    feb31.writeUInt32LE(encodeZkPackedTime('2024-02-28 10:00:00') + 3 * 86400, 27);
    const { records, issues } = decodeZkAttendanceDataset(dataset([reset, feb31]), { expectedCount: 2 });
    expect(issues).toEqual([]);
    expect(records.map((r) => [r.timeProblem, r.rawHex])).toEqual([
      ['before-earliest', reset.toString('hex')],
      ['invalid-date', feb31.toString('hex')],
    ]);
    expect(decodeZkAttendanceRecord(Buffer.alloc(12), 0)).toBeNull();
  });
});

describe('ZK attendance dataset', () => {
  it('takes the record size from totalSize / count, and infers it when a punch landed in between', () => {
    expect(inferZkRecordSize(40 * 605, 605)).toEqual({ size: 40, source: 'count' });
    expect(inferZkRecordSize(49 * 10, 10)).toEqual({ size: 49, source: 'count' });
    expect(inferZkRecordSize(40 * 606, 605)).toEqual({ size: 40, source: 'inferred' });
    expect(inferZkRecordSize(16 * 3, 2)).toEqual({ size: 16, source: 'inferred' });
    expect(inferZkRecordSize(40 * 3, 2, 40)).toEqual({ size: 40, source: 'configured' });
    expect(inferZkRecordSize(0, 0)).toBeNull();
    expect(inferZkRecordSize(7, 1)).toBeNull();
  });

  it('decodes a whole log in order, with indexes', () => {
    const recs = Array.from({ length: 50 }, (_, i) => record40(i + 1, String(1000 + i), 1, `2024-05-${String(1 + (i % 28)).padStart(2, '0')} 09:00:00`, i % 6));
    const decoded = decodeZkAttendanceDataset(dataset(recs), { expectedCount: 50 });
    expect(decoded.issues).toEqual([]);
    expect(decoded.records.map((r) => [r.index, r.userId])).toEqual(recs.map((_, i) => [i, String(1000 + i)]));
  });

  it('property: a valid dataset cut anywhere is reported incomplete, whole records kept, the cut record as hex', () => {
    const next = prng(40);
    for (let round = 0; round < 300; round++) {
      const size = [8, 16, 40, 49][next() % 4]!;
      const count = 1 + (next() % 30);
      const body = Buffer.alloc(size * count);
      for (let i = 0; i < body.length; i++) body[i] = next() % 256;
      const full = dataset([body]);
      const cut = 4 + (next() % (body.length)); // at least the header, strictly less than everything
      const result = decodeZkAttendanceDataset(full.subarray(0, cut), { expectedCount: count });
      const got = cut - 4;
      expect(result.issues).toContainEqual({ code: 'body-shorter-than-declared', declared: body.length, actual: got });
      expect(result.records).toHaveLength(Math.floor(got / size));
      const tail = got % size;
      if (tail > 0) expect(result.issues).toContainEqual({ code: 'truncated-record', bytes: tail, hex: full.subarray(4 + got - tail, cut).toString('hex') });
      result.records.forEach((r, i) => expect(r.rawHex).toBe(body.subarray(i * size, (i + 1) * size).toString('hex')));
    }
  });

  it('property: random bytes never throw, never hang, and every byte is a record, a reported tail or a reported excess', () => {
    const next = prng(8);
    for (let round = 0; round < 500; round++) {
      const bytes = Buffer.alloc(next() % 600);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() % 256;
      if (bytes.length >= 4 && next() % 2 === 0) bytes.writeUInt32LE(bytes.length - 4 - (next() % 3), 0);
      const result = decodeZkAttendanceDataset(bytes, { expectedCount: next() % 20, recordSize: next() % 3 === 0 ? 16 : undefined });
      if (bytes.length < 4) {
        expect(result.issues).toEqual([{ code: 'missing-size-header', bytes: bytes.length }]);
        continue;
      }
      const usable = Math.min(bytes.length - 4, bytes.readUInt32LE(0));
      const tail = result.issues.find((i) => i.code === 'truncated-record');
      const unknown = result.issues.some((i) => i.code === 'record-size-unknown');
      const accounted = result.records.reduce((n, r) => n + r.recordSize, 0) + (tail && tail.code === 'truncated-record' ? tail.bytes : 0);
      expect(unknown ? usable > 0 && result.records.length === 0 : accounted === usable).toBe(true);
      if (result.issues.length === 0) expect(bytes.length - 4).toBe(bytes.readUInt32LE(0));
    }
  });
});

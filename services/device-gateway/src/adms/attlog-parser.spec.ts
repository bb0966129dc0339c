import { parseAttlogBody } from './attlog-parser';

// Golden fixtures from shared/research/device-protocols.md §1.4.
const SPEC_LINES = '1452\t2015-07-30 15:16:28\t0\t1\t0\t0\t0\n8965\t2015-07-30 15:16:37\t0\t1\t0\t0\t0\n';
const MB560_CAPTURE = '2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43\n';

describe(parseAttlogBody.name, () => {
  it('parses the SPEC example lines', () => {
    const { records, rejected } = parseAttlogBody(Buffer.from(SPEC_LINES));
    expect(rejected).toEqual([]);
    expect(records.map((r) => [r.deviceUserId, r.localTime, r.statusCode, r.verifyCode, r.workCode])).toEqual([
      ['1452', '2015-07-30 15:16:28', '0', '1', '0'],
      ['8965', '2015-07-30 15:16:37', '0', '1', '0'],
    ]);
  });

  it('parses the real MB560-VL capture: empty workcode and extra trailing fields kept verbatim', () => {
    const [record] = parseAttlogBody(Buffer.from(MB560_CAPTURE)).records;
    expect(record).toMatchObject({
      deviceUserId: '2',
      localTime: '2022-07-12 16:00:20',
      statusCode: '1',
      verifyCode: '15',
      workCode: null,
      extraFields: ['', '', '43'],
    });
  });

  it('accepts CRLF line ends, blank lines and a missing final newline', () => {
    const body = Buffer.from('\r\n1\t2024-01-02 08:00:00\t0\t1\r\n\r\n2\t2024-01-02 08:00:01\t1\t15');
    const { records, rejected } = parseAttlogBody(body);
    expect(rejected).toEqual([]);
    expect(records.map((r) => [r.lineNumber, r.deviceUserId, r.localTime])).toEqual([
      [2, '1', '2024-01-02 08:00:00'],
      [4, '2', '2024-01-02 08:00:01'],
    ]);
  });

  it('keeps PINs as strings (leading zeros, letters)', () => {
    const { records } = parseAttlogBody(Buffer.from('007\t2024-01-02 08:00:00\t0\t1\nA12\t2024-01-02 08:00:00\t0\t1\n'));
    expect(records.map((r) => r.deviceUserId)).toEqual(['007', 'A12']);
  });

  it('falls back to space-separated fields and rejoins the timestamp', () => {
    const [record] = parseAttlogBody(Buffer.from('1452 2015-07-30 15:16:28 0 1 0 0 0\n')).records;
    expect(record).toMatchObject({ deviceUserId: '1452', localTime: '2015-07-30 15:16:28', statusCode: '0', verifyCode: '1' });
  });

  it('rejects malformed lines with a reason and their exact bytes, and keeps the rest of the batch', () => {
    const body = Buffer.from(
      [
        '1\t2024-01-02 08:00:00\t0\t1',
        'garbage-without-time',
        '\t2024-01-02 08:00:00\t0\t1',
        '3\t2024-02-30 08:00:00\t0\t1',
        '4\t2024-01-02 25:00:00\t0\t1',
        '5\t02/01/2024 08:00\t0\t1',
        '6\t2024-01-02 08:00:06\t0\t1',
      ].join('\n'),
    );
    const { records, rejected } = parseAttlogBody(body);
    expect(records.map((r) => r.deviceUserId)).toEqual(['1', '6']);
    expect(rejected.map((r) => [r.lineNumber, r.reason])).toEqual([
      [2, 'missing-time'],
      [3, 'missing-user-id'],
      [4, 'invalid-date'],
      [5, 'invalid-date'],
      [6, 'malformed-time'],
    ]);
    expect(rejected[0]!.rawLine.toString()).toBe('garbage-without-time');
  });

  it('keeps non-UTF-8 bytes of a rejected line unchanged', () => {
    const raw = Buffer.from([0xc4, 0xe3, 0x09, 0x78]);
    const { rejected } = parseAttlogBody(Buffer.concat([raw, Buffer.from('\n')]));
    expect(rejected[0]!.rawLine.equals(raw)).toBe(true);
  });

  it('never throws on arbitrary bytes, and every non-blank line is accounted for', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.alloc(next() % 400);
      for (let i = 0; i < bytes.length; i++) bytes[i] = [0x09, 0x0a, 0x0d, 0x20, 0x2d, 0x3a][next() % 6]! ^ (next() % 3 === 0 ? next() % 256 : 0);
      const { records, rejected } = parseAttlogBody(bytes);
      const nonBlank = bytes.toString('utf8').split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
      expect(records.length + rejected.length).toBe(nonBlank);
    }
  });
});

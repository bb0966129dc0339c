import fc from 'fast-check';
import { parseOperlogBody } from './operlog-parser';

// Golden fixtures from shared/research/device-protocols.md §1.6: the SPEC OPLOG example (TABs on the wire) and
// the real MB560-VL enrollment line from the StackOverflow capture, as a USER record.
const SPEC_OPLOG = 'OPLOG 4\t14\t2015-07-30 10:22:34\t0\t0\t0\t0\n';
const MB560_USER = 'USER PIN=2\tName=Johny Deep\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=0\tViceCard=\tStartDatetime=0\tEndDatetime=0\n';

describe(parseOperlogBody.name, () => {
  it('parses the SPEC OPLOG example', () => {
    const { records, rejected } = parseOperlogBody(Buffer.from(SPEC_OPLOG));
    expect(rejected).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({ kind: 'oplog', operationCode: '4', operator: '14', localTime: '2015-07-30 10:22:34', values: ['0', '0', '0', '0'] }),
    ]);
  });

  it('parses the MB560-VL USER capture, keeping every field and empty ones as null', () => {
    const [user] = parseOperlogBody(Buffer.from(MB560_USER)).records;
    expect(user).toMatchObject({ kind: 'user', pin: '2', name: 'Johny Deep', privilege: '0', card: null, group: '1' });
    expect(user!.kind === 'user' && user!.fields).toMatchObject({ TZ: '0000000100000000', Verify: '0', StartDatetime: '0' });
    expect(user!.rawLine.toString()).toBe(MB560_USER.slice(0, -1));
  });

  it('reads the PDF-copy form with spaces only, and audit codes 21 / 23 / 13', () => {
    const body = 'OPLOG 21 1 2024-03-01 08:00:00 0 0 0 0\r\nOPLOG\t23\t1\t2024-03-01 08:01:00\t0\t0\t0\t0\r\nOPLOG 13\t\t2024-03-01 08:02:00\t0\t0\t0\t0\r\n';
    const { records, rejected } = parseOperlogBody(Buffer.from(body));
    expect(rejected).toEqual([]);
    expect(records.map((r) => r.kind === 'oplog' && [r.operationCode, r.operator, r.localTime])).toEqual([
      ['21', '1', '2024-03-01 08:00:00'],
      ['23', '1', '2024-03-01 08:01:00'],
      ['13', null, '2024-03-01 08:02:00'],
    ]);
  });

  it('keeps fingerprint templates as "other" records and rejects unknown or malformed lines with their bytes', () => {
    const body = 'FP PIN=2\tFID=6\tSize=1200\tValid=1\tTMP=ocoRgZPRM...\nWHAT is this\nOPLOG x\t1\t2024-01-01 00:00:00\nUSER Name=nobody\nno-type-at-all\n';
    const { records, rejected } = parseOperlogBody(Buffer.from(body));
    expect(records.map((r) => r.kind)).toEqual(['other']);
    expect(rejected.map((r) => [r.lineNumber, r.reason, r.rawLine.toString()])).toEqual([
      [2, 'unparsable-line', 'WHAT is this'],
      [3, 'invalid-field', 'OPLOG x\t1\t2024-01-01 00:00:00'],
      [4, 'invalid-field', 'USER Name=nobody'],
      [5, 'unparsable-line', 'no-type-at-all'],
    ]);
  });

  it('never throws and accounts for every non-blank line on random and truncated input', () => {
    const line = fc.oneof(
      fc.constant(SPEC_OPLOG.trimEnd()),
      fc.constant(MB560_USER.trimEnd()),
      fc.string({ maxLength: 60 }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), fc.nat(), (lines, cut) => {
        const full = Buffer.from(lines.join('\n'), 'latin1');
        const body = full.subarray(0, cut % (full.length + 1));
        const { records, rejected } = parseOperlogBody(body);
        const nonBlank = body.toString('utf8').split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        expect(records.length + rejected.length).toBe(nonBlank);
        // Nothing lost: the bytes of every record and rejection, rejoined, are the body's non-blank lines.
        const kept = [...records, ...rejected].sort((a, b) => a.lineNumber - b.lineNumber).map((r) => r.rawLine);
        const original = splitLines(body).filter((l) => l.toString('utf8').replace(/\r$/, '').trim() !== '');
        expect(Buffer.concat(kept).equals(Buffer.concat(original))).toBe(true);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });
});

function splitLines(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const end = body.indexOf(0x0a, start);
    if (end === -1) {
      out.push(body.subarray(start));
      return out;
    }
    out.push(body.subarray(start, end));
    start = end + 1;
  }
}

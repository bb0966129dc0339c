import fc from 'fast-check';
import { parseDevicecmdBody } from './devicecmd-parser';

// Golden fixtures from shared/research/device-protocols.md §1.8 (SPEC batched example, s0x90 Shell capture).
const SPEC_BATCH = 'ID=info8487&Return=0&CMD=DATA\nID=fp7464&Return=0&CMD=DATA\n';
const SHELL_REPLY = 'ID=32\nReturn=0\nCMD=Shell\nContent=total 4\n-rw-r--r-- 1 root root 12 a=b.txt\n';

describe(parseDevicecmdBody.name, () => {
  it('parses the SPEC batched example: one record per line', () => {
    const { results, rejected } = parseDevicecmdBody(Buffer.from(SPEC_BATCH));
    expect(rejected).toEqual([]);
    expect(results.map((r) => [r.id, r.returnCode, r.body.CMD, r.raw])).toEqual([
      ['info8487', 0, 'DATA', 'ID=info8487&Return=0&CMD=DATA'],
      ['fp7464', 0, 'DATA', 'ID=fp7464&Return=0&CMD=DATA'],
    ]);
  });

  it('parses a multi-line Shell reply and keeps its Content lines (even with "=" in them)', () => {
    const [result] = parseDevicecmdBody(Buffer.from(SHELL_REPLY)).results;
    expect(result).toMatchObject({ id: '32', returnCode: 0, body: { CMD: 'Shell', Content: 'total 4\n-rw-r--r-- 1 root root 12 a=b.txt' } });
  });

  it('keeps the VERIFY SUM count and INFO key=value lines as fields', () => {
    const body = 'ID=7&Return=0&CMD=VERIFY SUM&AttlogSum=42\r\nID=8&Return=0&CMD=INFO\r\n~DeviceName=MB560\r\nUserCount=12\r\n';
    const { results } = parseDevicecmdBody(Buffer.from(body));
    expect(results[0]!.body).toEqual({ ID: '7', Return: '0', CMD: 'VERIFY SUM', AttlogSum: '42' });
    expect(results[1]!.body).toEqual({ ID: '8', Return: '0', CMD: 'INFO', '~DeviceName': 'MB560', UserCount: '12' });
  });

  it('reads negative return codes (DATA QUERY on an empty log answers -1; unsupported -1002)', () => {
    const { results } = parseDevicecmdBody(Buffer.from('ID=3&Return=-1&CMD=DATA\nID=4&Return=-1002&CMD=DATA\n'));
    expect(results.map((r) => r.returnCode)).toEqual([-1, -1002]);
  });

  it('rejects text without an ID and a malformed Return, keeping their bytes', () => {
    const { results, rejected } = parseDevicecmdBody(Buffer.from('garbage\nID=5&Return=abc&CMD=DATA\nID=6&Return=0&CMD=DATA\n'));
    expect(results.map((r) => r.id)).toEqual(['6']);
    expect(rejected.map((r) => [r.reason, r.raw.toString()])).toEqual([
      ['no-command-id', 'garbage'],
      ['invalid-return-code', 'ID=5&Return=abc&CMD=DATA'],
    ]);
  });

  it('never throws and loses no record on random and truncated input', () => {
    const record = fc.record({ id: fc.integer({ min: 1, max: 1e9 }), ret: fc.integer({ min: -1008, max: 5 }), cmd: fc.constantFrom('DATA', 'VERIFY SUM', 'CHECK') });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), fc.uint8Array({ maxLength: 200 }), fc.nat(), (records, noise, cut) => {
        const text = records.map((r) => `ID=${r.id}&Return=${r.ret}&CMD=${r.cmd}`).join('\n');
        // Well-formed records all come back, in order.
        const parsed = parseDevicecmdBody(Buffer.from(text));
        expect(parsed.results.map((r) => [Number(r.id), r.returnCode])).toEqual(records.map((r) => [r.id, r.ret]));
        // Truncated or noisy bodies: no throw, and every non-blank input line is in a result or a rejection.
        const mangled = Buffer.concat([Buffer.from(text).subarray(0, cut % (text.length + 1)), Buffer.from(noise)]);
        const out = parseDevicecmdBody(mangled);
        const kept = [...out.results.map((r) => r.raw), ...out.rejected.map((r) => r.raw.toString('utf8'))].join('\n');
        for (const line of mangled.toString('utf8').split('\n')) {
          const trimmed = line.replace(/\r$/, '');
          if (trimmed.trim() !== '') expect(kept).toContain(trimmed);
        }
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});

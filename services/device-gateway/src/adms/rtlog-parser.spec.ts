import fc from 'fast-check';
import { parseRtlogBody } from './rtlog-parser';

// PUSH 3.x rtlog: TAB-separated key=value in the order of device-protocols.md §1.9.
const line = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('\t');
const PUNCH = line({ time: '2024-05-01 08:00:00', pin: '12', cardno: '0', eventaddr: '1', event: '0', inoutstatus: '0', verifytype: '1', index: '57' });

describe(parseRtlogBody.name, () => {
  it('turns a verified rtlog event into an attendance record with its raw codes and log index', () => {
    const { records, rejected, nonPunchEvents } = parseRtlogBody(Buffer.from(`${PUNCH}\r\n`));
    expect({ rejected, nonPunchEvents }).toEqual({ rejected: [], nonPunchEvents: 0 });
    expect(records).toEqual([
      expect.objectContaining({ lineNumber: 1, deviceUserId: '12', localTime: '2024-05-01 08:00:00', statusCode: '0', verifyCode: '1', eventCode: '0', logIndex: '57' }),
    ]);
  });

  it('counts door/alarm events (no user, or not a pass event) as non-punches and rejects bad times', () => {
    const body = [
      line({ time: '2024-05-01 08:00:05', pin: '0', cardno: '0', eventaddr: '1', event: '200', inoutstatus: '2', verifytype: '200', index: '58' }),
      line({ time: '2024-05-01 08:00:06', pin: '12', cardno: '0', eventaddr: '1', event: '27', inoutstatus: '0', verifytype: '1', index: '59' }),
      line({ time: '2024-02-30 08:00:00', pin: '12', event: '0' }),
      line({ pin: '12', event: '0' }),
      'garbage',
    ].join('\n');
    const { records, rejected, nonPunchEvents } = parseRtlogBody(Buffer.from(body));
    expect(records).toEqual([]);
    expect(nonPunchEvents).toBe(2);
    expect(rejected.map((r) => [r.lineNumber, r.reason])).toEqual([
      [3, 'invalid-date'],
      [4, 'missing-time'],
      [5, 'missing-time'],
    ]);
  });

  it('never throws and accounts for every non-blank line on random and truncated input', () => {
    const anyLine = fc.oneof(fc.constant(PUNCH), fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1')));
    fc.assert(
      fc.property(fc.array(anyLine, { maxLength: 15 }), fc.nat(), (lines, cut) => {
        const full = Buffer.from(lines.join('\n'), 'latin1');
        const body = full.subarray(0, cut % (full.length + 1));
        const { records, rejected, nonPunchEvents } = parseRtlogBody(body);
        const nonBlank = body.toString('utf8').split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
        expect(records.length + rejected.length + nonPunchEvents).toBe(nonBlank);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });
});

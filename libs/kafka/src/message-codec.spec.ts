import { TOPICS } from '@attendance/contracts';
import { aRawPunch } from '@attendance/testing';
import { compileContractCheck } from './compiled-contract-check';
import { PoisonMessageError } from './errors';
import { decodeValueAndText } from './message-codec';

const check = compileContractCheck(TOPICS.punchRaw.schema)!;
const punch = aRawPunch({ tenantId: 'tenant-1', deviceSerial: 'DEV-1', deviceUserId: '42', localTime: '2024-05-01T08:00:00' });

describe(decodeValueAndText.name, () => {
  it('returns the received text beside a value the compiled check vouched for', () => {
    const text = ` ${JSON.stringify(punch)}\n`;
    const decoded = decodeValueAndText(TOPICS.punchRaw, Buffer.from(text), check);
    expect(decoded.value).toEqual(punch);
    expect(decoded.text).toBe(text);
  });

  it('returns no text when zod built the value (so nobody forwards text that may not be the value)', () => {
    // An unknown field is zod's to decide (passthrough), not the compiled check's.
    const withExtra = { ...punch, timeOffset: '+05:30' };
    const decoded = decodeValueAndText(TOPICS.punchRaw, Buffer.from(JSON.stringify(withExtra)), check);
    expect(decoded.value).toEqual(withExtra);
    expect(decoded.text).toBeNull();
    // Without a compiled check there is never a text.
    expect(decodeValueAndText(TOPICS.punchRaw, Buffer.from(JSON.stringify(punch)), null).text).toBeNull();
  });

  it('still refuses what the contract refuses', () => {
    expect(() => decodeValueAndText(TOPICS.punchRaw, Buffer.from(JSON.stringify({ ...punch, eventId: `${punch.eventId.startsWith('0') ? '1' : '0'}${punch.eventId.slice(1)}` })), check)).toThrow(PoisonMessageError);
    expect(() => decodeValueAndText(TOPICS.punchRaw, Buffer.from('{"not json'), check)).toThrow(PoisonMessageError);
  });
});

import fc from 'fast-check';
import { ClientMessageSchema, salvageMessageId } from './ws-protocol';
import { buildPunchFromWsRecord } from './ws-punch-record';

const device = { tenantId: 'tenant-a', siteId: 'site-1', gatewayId: 'gw-1', deviceSerial: 'WS1', timeZone: 'Europe/Berlin' };
const receivedAt = new Date('2026-03-29T12:00:00Z');

describe('WS protocol parsing', () => {
  it('accepts the documented messages (docs/ws-device-protocol.md)', () => {
    for (const message of [
      { type: 'hello', serial: 'WS1', token: 't', protocolVersion: 1, deviceTime: '2026-03-29T12:00:00Z' },
      { type: 'punch', id: 'm-1', punch: { userId: '7', localTime: '2026-03-29T08:00:00' } },
      { type: 'punches', id: 'm-2', punches: [{ userId: '7', localTime: '2026-03-29T08:00:00' }], backfill: true },
      { type: 'ping', id: 'p-1' },
    ]) {
      expect(ClientMessageSchema.safeParse(message).success).toBe(true);
    }
  });

  it('builds a punch with the same identity rule as every protocol, DST gap flagged', () => {
    const built = buildPunchFromWsRecord({ userId: '7', localTime: '2026-03-29 02:30:00', direction: 'out', verifyMode: 'card', cursor: '991' }, device, { receivedAt, backfill: true });
    expect(built).toMatchObject({ ok: true, punch: { protocol: 'ws', deviceUserId: '7', localTime: '2026-03-29T02:30:00', direction: 'out', verifyMode: 'card', source: 'backfill', deviceCursor: '991', flags: { dstGap: true } } });
  });

  it('never throws on random messages and records: every value is a message, a punch, or refused with a reason', () => {
    const jsonish = fc.oneof(
      fc.jsonValue(),
      fc.record({ type: fc.constantFrom('hello', 'punch', 'punches', 'ping', 'x'), id: fc.oneof(fc.string(), fc.integer()), punch: fc.jsonValue(), punches: fc.array(fc.jsonValue(), { maxLength: 3 }) }, { requiredKeys: [] }),
      fc.record({ userId: fc.string(), localTime: fc.oneof(fc.string(), fc.constant('2026-01-05T09:00:00')), direction: fc.string() }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(jsonish, (value) => {
        ClientMessageSchema.safeParse(value);
        salvageMessageId(value);
        const built = buildPunchFromWsRecord(value, device, { receivedAt, backfill: false });
        if (!built.ok) expect(built.reason.length * built.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 500, seed: 20261201 },
    );
  });
});

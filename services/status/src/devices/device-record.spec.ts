import { F, RECORD_FIELDS, recordFromValues, toDeviceRecord } from './device-record';

describe(recordFromValues.name, () => {
  const hash: Record<string, string> = { [F.tenant]: 'acme', [F.serial]: 'SN1', [F.site]: 's1', [F.lastContact]: '1700000000000', [F.reachable]: '0', [F.lastError]: '', [F.rev]: '7', [F.reasons]: 'capacity,clock-skew' };
  const values = RECORD_FIELDS.map((f) => hash[f] ?? '');

  it('reads APPLY_MANY values (record field order, empty where absent) as HGETALL of the same hash reads', () => {
    expect(recordFromValues(values)).toEqual(toDeviceRecord(hash));
    expect(recordFromValues(values)).toMatchObject({ reachable: false, lastErrorClass: null, rev: '7', reasonCodes: ['capacity', 'clock-skew'], gatewayId: null });
  });

  it('is null for a device without identity', () => {
    expect(recordFromValues(RECORD_FIELDS.map(() => ''))).toBeNull();
  });
});

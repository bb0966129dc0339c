import { F, HEALTH_FIELDS, healthRecordFromValues, toDeviceRecord } from './device-record';

describe(healthRecordFromValues.name, () => {
  const hash: Record<string, string> = { [F.tenant]: 'acme', [F.serial]: 'SN1', [F.site]: 's1', [F.lastContact]: '1700000000000', [F.reachable]: '0', [F.lastError]: '', [F.rev]: '7', [F.reasons]: 'capacity,clock-skew' };
  const values = HEALTH_FIELDS.map((f) => hash[f] ?? '');

  it('reads APPLY_MANY values (record field order, empty where absent) as HGETALL of the same hash reads', () => {
    expect(healthRecordFromValues(values)).toEqual(toDeviceRecord(hash));
    expect(healthRecordFromValues(values)).toMatchObject({ reachable: false, lastErrorClass: null, rev: '7', reasonCodes: ['capacity', 'clock-skew'], gatewayId: null });
  });

  it('is null for a device without identity', () => {
    expect(healthRecordFromValues(HEALTH_FIELDS.map(() => ''))).toBeNull();
  });
});

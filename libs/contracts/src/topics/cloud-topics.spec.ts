import { sampleCompleteness, sampleDeviceHealth, sampleMobileRecord } from '../samples/topic-samples';
import { CompletenessV1Schema } from './completeness.topic';
import { DeviceHealthV1Schema } from './device-health.topic';
import { MobileRecordV1Schema } from './mobile-record.topic';
import { issuePaths, issuesOf } from './schema-test-helpers';

describe('CompletenessV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(CompletenessV1Schema, sampleCompleteness)).toEqual([]);
  });

  it('rejects a site watermark ahead of a device watermark', () => {
    expect(issuesOf(CompletenessV1Schema, { ...sampleCompleteness, completeUpTo: '2025-03-10T04:00:00Z' })).toEqual([
      'completeUpTo: the site completeUpTo cannot be later than a device completeUpTo',
    ]);
  });

  it('points at the bad device', () => {
    const [first] = sampleCompleteness.devices;
    expect(issuePaths(CompletenessV1Schema, { ...sampleCompleteness, devices: [first, { deviceSerial: 'SN2', lastReconciledAt: null }] })).toEqual([
      'devices.1.completeUpTo',
    ]);
  });
});

describe('DeviceHealthV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(DeviceHealthV1Schema, sampleDeviceHealth)).toEqual([]);
  });

  it.each([
    ['state', { state: 'down' }],
    ['previousState', { previousState: 'sick' }],
    ['reasons.0.code', { reasons: [{ code: 'No Contact', message: 'x' }] }],
    ['record.capacityUsedRatio', { record: { ...sampleDeviceHealth.record, capacityUsedRatio: 1.2 } }],
    ['record.backlogCount', { record: { ...sampleDeviceHealth.record, backlogCount: -3 } }],
  ])('rejects a bad %s', (path, changes) => {
    expect(issuePaths(DeviceHealthV1Schema, { ...sampleDeviceHealth, ...changes })).toEqual([path]);
  });
});

describe('MobileRecordV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(MobileRecordV1Schema, sampleMobileRecord)).toEqual([]);
  });

  it.each([
    ['direction', { direction: 'unknown' }],
    ['resolution.strategy', { resolution: { ...sampleMobileRecord.resolution, strategy: 'server-wins' } }],
    ['location.latitude', { location: { latitude: 91, longitude: 0, accuracyMeters: null } }],
    ['version', { version: 0 }],
    ['clientTimestamp', { clientTimestamp: '2025-03-10T09:15:00+05:30' }],
    ['recordId', { recordId: 'not-a-uuid' }],
  ])('rejects a bad %s', (path, changes) => {
    expect(issuePaths(MobileRecordV1Schema, { ...sampleMobileRecord, ...changes })).toEqual([path]);
  });
});

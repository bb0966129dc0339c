import { punchEventId } from '../identity/punch-identity';
import { samplePunchAccepted, samplePunchRaw } from '../samples/topic-samples';
import { PunchAcceptedV1Schema } from './punch-accepted.topic';
import { PUNCH_RAW_MAX_LENGTH } from './punch-fields';
import { PunchRawV1Schema, type PunchRawV1 } from './punch-raw.topic';
import { issuePaths, issuesOf } from './schema-test-helpers';

/**
 * A raw punch with some fields changed and its eventId re-derived where possible, so that only the changed
 * fields are under test.
 */
function punch(changes: Partial<PunchRawV1>): PunchRawV1 {
  const value = { ...samplePunchRaw, ...changes };
  try {
    return { ...value, eventId: punchEventId(value) };
  } catch {
    return value; // an identity field is invalid on purpose
  }
}

describe('PunchRawV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(PunchRawV1Schema, samplePunchRaw)).toEqual([]);
  });

  it.each([
    ['tenantId', { tenantId: '' }],
    ['tenantId', { tenantId: 'acme:eu' }],
    ['tenantId', { tenantId: 'x'.repeat(65) }],
    ['siteId', { siteId: 'blr hq' }],
    ['deviceSerial', { deviceSerial: 'CQZ 7232' }],
    ['deviceUserId', { deviceUserId: ' 0042' }],
    ['deviceUserId', { deviceUserId: '00\t42' }],
    ['localTime', { localTime: '2025-03-10 09:00:12' }],
    ['localTime', { localTime: '2025-03-10T09:00:12Z' }],
    ['localTime', { localTime: '2025-02-29T09:00:12' }],
    ['timeZone', { timeZone: 'Asia/Bangalore' }],
    ['timeZone', { timeZone: '+05:30' }],
    ['punchedAt', { punchedAt: '2025-03-10T09:00:12+05:30' }],
    ['punchedAt', { punchedAt: '2025-03-10T03:30:12' }],
    ['receivedAt', { receivedAt: '2025-03-10' }],
    ['protocol', { protocol: 'zk-push' as never }],
    ['source', { source: 'replay' as never }],
    ['direction', { direction: 'checkIn' as never }],
    ['verifyMode', { verifyMode: 'iris' as never }],
    ['directionRaw', { directionRaw: '' }],
    ['workCode', { workCode: '' }],
    ['deviceCursor', { deviceCursor: '' }],
    ['raw', { raw: '' }],
    ['raw', { raw: 'x'.repeat(PUNCH_RAW_MAX_LENGTH + 1) }],
  ] as const)('rejects a bad %s', (path, changes) => {
    expect(issuePaths(PunchRawV1Schema, punch(changes))).toContain(path);
  });

  it('requires every field, nullable ones explicitly', () => {
    const { workCode: _workCode, deviceCursor: _deviceCursor, ...rest } = samplePunchRaw;
    expect(issuePaths(PunchRawV1Schema, rest).sort()).toEqual(['deviceCursor', 'workCode']);
  });

  it('requires all flags', () => {
    expect(issuePaths(PunchRawV1Schema, { ...samplePunchRaw, flags: { clockSuspect: false } })).toEqual([
      'flags.dstAmbiguous',
      'flags.dstGap',
    ]);
  });

  it('rejects an eventId that is not the punch identity, naming the expected id', () => {
    const forged = { ...samplePunchRaw, deviceUserId: '42' };
    expect(issuesOf(PunchRawV1Schema, forged)).toEqual([
      `eventId: eventId must be punchEventId(tenantId, deviceSerial, deviceUserId, localTime) = ${punchEventId(forged)}`,
    ]);
  });

  it('rejects an upper-case or non-v5 eventId', () => {
    expect(issuePaths(PunchRawV1Schema, { ...samplePunchRaw, eventId: samplePunchRaw.eventId.toUpperCase() })).toContain('eventId');
    expect(issuePaths(PunchRawV1Schema, { ...samplePunchRaw, eventId: '9d2f4e1a-7c3b-4f0e-a5d6-2b8c1e9f0a47' })).toContain('eventId');
  });

  it('rejects a punch flagged both DST gap and overlap', () => {
    expect(issuePaths(PunchRawV1Schema, { ...samplePunchRaw, flags: { clockSuspect: false, dstAmbiguous: true, dstGap: true } })).toEqual([
      'flags',
    ]);
  });

  it('keeps unknown fields (passthrough), also inside flags', () => {
    const newer = { ...samplePunchRaw, timeOffsetSeconds: 19800, flags: { ...samplePunchRaw.flags, replayed: true } };
    expect(PunchRawV1Schema.parse(newer)).toEqual(newer);
  });

  it('keeps leading zeros of the device user id', () => {
    expect(PunchRawV1Schema.parse(samplePunchRaw).deviceUserId).toBe('0042');
  });
});

describe('PunchAcceptedV1Schema', () => {
  it('accepts the sample and requires acceptedAt and firstSeenAt', () => {
    expect(issuesOf(PunchAcceptedV1Schema, samplePunchAccepted)).toEqual([]);
    expect(issuePaths(PunchAcceptedV1Schema, samplePunchRaw).sort()).toEqual(['acceptedAt', 'firstSeenAt']);
  });

  it('applies the same identity check as the raw punch', () => {
    expect(issuePaths(PunchAcceptedV1Schema, { ...samplePunchAccepted, localTime: '2025-03-10T09:00:13' })).toEqual(['eventId']);
  });
});

import { punchEventId } from '../identity/punch-identity';
import type { CompletenessV1 } from '../topics/completeness.topic';
import type { DeviceEventV1 } from '../topics/device-event.topic';
import type { DeviceHealthV1 } from '../topics/device-health.topic';
import type { GatewayCommandResultV1 } from '../topics/gateway-command-result.topic';
import type { GatewayCommandV1 } from '../topics/gateway-command.topic';
import type { GatewayHeartbeatV1 } from '../topics/gateway-heartbeat.topic';
import type { MobileRecordV1 } from '../topics/mobile-record.topic';
import type { PunchAcceptedV1 } from '../topics/punch-accepted.topic';
import type { PunchRawV1 } from '../topics/punch-raw.topic';
import type { TopicId } from '../topics/topic-registry';

// One realistic, valid value per topic. They are the examples of the AsyncAPI document and the baseline of the
// schema tests, so a schema change that breaks a typical message fails both. Real captures from the brief:
// the ATTLOG line of SPEC section 11.2 and the MB560-VL line (verify 15 = face).

const identity = { tenantId: 'acme', deviceSerial: 'CQZ7232460238', deviceUserId: '0042', localTime: '2025-03-10T09:00:12' };

/** A ZK PUSH punch of user 0042, read in Asia/Kolkata. */
export const samplePunchRaw: PunchRawV1 = {
  eventId: punchEventId(identity),
  ...identity,
  siteId: 'blr-hq',
  gatewayId: 'gw-blr-hq-1',
  protocol: 'zk-push2',
  timeZone: 'Asia/Kolkata',
  punchedAt: '2025-03-10T03:30:12Z',
  direction: 'in',
  directionRaw: '0',
  verifyMode: 'face',
  verifyModeRaw: '15',
  workCode: null,
  source: 'push',
  receivedAt: '2025-03-10T03:30:13.204Z',
  deviceCursor: '742819',
  flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
  raw: '0042\t2025-03-10 09:00:12\t0\t15\t\t0\t0\t\t\t43',
};

export const samplePunchAccepted: PunchAcceptedV1 = {
  ...samplePunchRaw,
  acceptedAt: '2025-03-10T03:30:13.950Z',
  firstSeenAt: '2025-03-10T03:30:13.204Z',
};

export const sampleGatewayHeartbeat: GatewayHeartbeatV1 = {
  gatewayId: 'gw-blr-hq-1',
  tenantId: 'acme',
  siteId: 'blr-hq',
  gatewayVersion: '0.1.0',
  startedAt: '2025-03-09T22:00:00.000Z',
  sentAt: '2025-03-10T03:30:15.000Z',
  intervalSeconds: 15,
  uplink: { state: 'up', since: '2025-03-10T01:12:40.000Z', lastOutageStartedAt: '2025-03-10T01:02:00.000Z', lastOutageEndedAt: '2025-03-10T01:12:40.000Z' },
  backlog: { count: 0, oldestReceivedAt: null, oldestAgeSeconds: null },
  quarantinedCount: 1,
  disk: { usedBytes: 52_428_800, budgetBytes: 10_737_418_240, freeBytes: 85_899_345_920, refusing: false },
  devices: [
    {
      deviceSerial: 'CQZ7232460238',
      protocol: 'zk-push2',
      registration: 'approved',
      reachable: true,
      lastContactAt: '2025-03-10T03:30:13.000Z',
      lastPunchReceivedAt: '2025-03-10T03:30:13.204Z',
      clockSkewSeconds: 1.2,
      clockSkewMeasuredAt: '2025-03-10T03:30:13.204Z',
      capacity: { recordsUsed: 48_213, recordsMax: 100_000, usedRatio: 0.48213 },
      backlogCount: 0,
      lease: null,
      lastErrorClass: null,
    },
    {
      deviceSerial: 'DS-K1T671M20230101V031800ENAA8066966',
      protocol: 'hik-isapi',
      registration: 'approved',
      reachable: false,
      lastContactAt: '2025-03-10T03:20:02.000Z',
      lastPunchReceivedAt: '2025-03-10T03:18:41.000Z',
      clockSkewSeconds: null,
      clockSkewMeasuredAt: null,
      capacity: null,
      backlogCount: 0,
      lease: { leaseId: '3c1d9c52-5d0e-4a57-9d6e-0b6b2f0e8f31', fencingToken: 7, expiresAt: '2025-03-10T03:35:00.000Z' },
      lastErrorClass: 'device-timeout',
    },
  ],
};

export const sampleDeviceEvent: DeviceEventV1 = {
  eventId: '5b0f8a76-1f0c-4c36-8f7e-6a2b0d9e4c11',
  tenantId: 'acme',
  siteId: 'blr-hq',
  gatewayId: 'gw-blr-hq-1',
  deviceSerial: 'CQZ7232460238',
  occurredAt: '2025-03-10T03:31:02.000Z',
  type: 'audit',
  operation: 'time-set',
  operationCode: '21',
  operator: '1',
  deviceLocalTime: '2025-03-10T09:01:02',
  raw: 'OPLOG 21\t1\t2025-03-10 09:01:02\t0\t0\t0\t0',
};

export const sampleGatewayCommand: GatewayCommandV1 = {
  commandId: '9d2f4e1a-7c3b-4f0e-a5d6-2b8c1e9f0a47',
  tenantId: 'acme',
  siteId: 'blr-hq',
  gatewayId: 'gw-blr-hq-1',
  issuedAt: '2025-03-10T04:00:00.000Z',
  deadline: '2025-03-10T04:15:00.000Z',
  requestedBy: null,
  type: 'backfill',
  args: {
    deviceSerial: 'CQZ7232460238',
    window: { from: '2025-03-10T00:00:00Z', to: '2025-03-10T04:00:00Z' },
    reason: 'reconciliation',
  },
};

export const sampleGatewayCommandResult: GatewayCommandResultV1 = {
  commandId: '9d2f4e1a-7c3b-4f0e-a5d6-2b8c1e9f0a47',
  type: 'backfill',
  tenantId: 'acme',
  siteId: 'blr-hq',
  gatewayId: 'gw-blr-hq-1',
  deviceSerial: 'CQZ7232460238',
  outcome: 'succeeded',
  startedAt: '2025-03-10T04:00:04.000Z',
  completedAt: '2025-03-10T04:00:41.000Z',
  counts: { found: 312, new: 2, quarantined: 0 },
  deviceCounts: null,
  error: null,
};

export const sampleCompleteness: CompletenessV1 = {
  tenantId: 'acme',
  siteId: 'blr-hq',
  completeUpTo: '2025-03-10T03:00:00Z',
  computedAt: '2025-03-10T04:01:00.000Z',
  devices: [
    { deviceSerial: 'CQZ7232460238', completeUpTo: '2025-03-10T04:00:00Z', lastReconciledAt: '2025-03-10T04:00:41.000Z' },
    {
      deviceSerial: 'DS-K1T671M20230101V031800ENAA8066966',
      completeUpTo: '2025-03-10T03:00:00Z',
      lastReconciledAt: '2025-03-10T03:01:10.000Z',
    },
  ],
};

export const sampleDeviceHealth: DeviceHealthV1 = {
  eventId: 'e4a1c7b2-9f3d-4e8a-b6c5-1d2e3f4a5b6c',
  tenantId: 'acme',
  siteId: 'blr-hq',
  deviceSerial: 'DS-K1T671M20230101V031800ENAA8066966',
  gatewayId: 'gw-blr-hq-1',
  state: 'offline',
  previousState: 'healthy',
  changedAt: '2025-03-10T03:25:02.000Z',
  reasons: [{ code: 'no-contact', message: 'No contact for 5 minutes (timeout 300 s)' }],
  record: {
    lastContactAt: '2025-03-10T03:20:02.000Z',
    lastPunchAt: '2025-03-10T03:18:40Z',
    backlogCount: 0,
    backlogOldestAgeSeconds: null,
    clockSkewSeconds: -0.4,
    capacityUsedRatio: 0.12,
    lastErrorClass: 'device-timeout',
    completeUpTo: '2025-03-10T03:00:00Z',
  },
};

export const sampleMobileRecord: MobileRecordV1 = {
  recordId: '0f9e8d7c-6b5a-4c3d-9e1f-a2b3c4d5e6f7',
  tenantId: 'acme',
  employeeId: 'emp-1042',
  siteId: null,
  clientDeviceId: 'ios-6F2A1B',
  clientTimestamp: '2025-03-10T03:45:00.000Z',
  timeZone: 'Asia/Kolkata',
  direction: 'in',
  location: { latitude: 12.9716, longitude: 77.5946, accuracyMeters: 18 },
  version: 1,
  change: 'created',
  resolution: { conflict: false, strategy: 'server_wins', outcome: 'applied' },
  syncedAt: '2025-03-10T03:52:10.000Z',
};

/** One valid sample value per registry topic id. */
export const TOPIC_SAMPLES: { readonly [K in TopicId]: unknown } = {
  punchRaw: samplePunchRaw,
  punchAccepted: samplePunchAccepted,
  gatewayHeartbeat: sampleGatewayHeartbeat,
  deviceEvent: sampleDeviceEvent,
  gatewayCommand: sampleGatewayCommand,
  gatewayCommandResult: sampleGatewayCommandResult,
  completeness: sampleCompleteness,
  deviceHealth: sampleDeviceHealth,
  mobileRecord: sampleMobileRecord,
};

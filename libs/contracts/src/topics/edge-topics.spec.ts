import { sampleDeviceEvent, sampleGatewayCommandResult, sampleGatewayHeartbeat } from '../samples/topic-samples';
import { DeviceEventV1Schema, type DeviceEventV1 } from './device-event.topic';
import { GatewayCommandResultV1Schema } from './gateway-command-result.topic';
import { GatewayHeartbeatV1Schema } from './gateway-heartbeat.topic';
import { issuePaths, issuesOf } from './schema-test-helpers';

describe('GatewayHeartbeatV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(GatewayHeartbeatV1Schema, sampleGatewayHeartbeat)).toEqual([]);
  });

  it.each([
    ['backlog.count', { backlog: { count: -1, oldestReceivedAt: null, oldestAgeSeconds: null } }],
    ['backlog.count', { backlog: { count: 1.5, oldestReceivedAt: null, oldestAgeSeconds: null } }],
    ['intervalSeconds', { intervalSeconds: 0 }],
    ['uplink.state', { uplink: { ...sampleGatewayHeartbeat.uplink, state: 'offline' } }],
    ['disk.refusing', { disk: { usedBytes: 1, budgetBytes: 2, freeBytes: 3 } }],
    ['sentAt', { sentAt: '2025-03-10 03:30:15' }],
  ])('rejects a bad %s', (path, changes) => {
    expect(issuePaths(GatewayHeartbeatV1Schema, { ...sampleGatewayHeartbeat, ...changes })).toEqual([path]);
  });

  it('points into the device list', () => {
    const [first, second] = sampleGatewayHeartbeat.devices;
    const devices = [first, { ...second, capacity: { recordsUsed: 10, recordsMax: 5, usedRatio: 2 } }];
    expect(issuePaths(GatewayHeartbeatV1Schema, { ...sampleGatewayHeartbeat, devices })).toEqual(['devices.1.capacity.usedRatio']);
  });

  it('strips unknown fields', () => {
    expect(GatewayHeartbeatV1Schema.parse({ ...sampleGatewayHeartbeat, cpuLoad: 0.3 })).toEqual(sampleGatewayHeartbeat);
  });
});

describe('DeviceEventV1Schema', () => {
  const base = {
    eventId: '5b0f8a76-1f0c-4c36-8f7e-6a2b0d9e4c11',
    tenantId: 'acme',
    siteId: 'blr-hq',
    gatewayId: 'gw-blr-hq-1',
    deviceSerial: 'CQZ7232460238',
    occurredAt: '2025-03-10T03:31:02.000Z',
  };
  const events: DeviceEventV1[] = [
    sampleDeviceEvent,
    { ...base, type: 'online', protocol: 'zk-push2', remoteAddress: '192.168.1.201' },
    { ...base, type: 'offline', lastContactAt: '2025-03-10T03:20:02.000Z', reason: 'contact-timeout' },
    { ...base, type: 'clock-skew', state: 'exceeded', skewSeconds: -754.2, thresholdSeconds: 120, deviceLocalTime: '2025-03-10T08:48:28' },
    { ...base, type: 'capacity', level: 'warning', recordsUsed: 81_000, recordsMax: 100_000, usedRatio: 0.81 },
    {
      ...base,
      type: 'line-quarantined',
      protocol: 'zk-push2',
      quarantineId: '18233',
      reason: 'implausible-time',
      detail: '2000-01-01 00:00:07 is before 2010 (device clock reset?)',
      rawExcerpt: '0042\t2000-01-01 00:00:07\t0\t1\t\t0\t0',
    },
    { ...base, type: 'unknown-device', protocol: 'zk-push2', remoteAddress: '192.168.1.77' },
  ];

  it.each(events.map((e) => [e.type, e] as const))('accepts a %s event', (_type, event) => {
    expect(issuesOf(DeviceEventV1Schema, event)).toEqual([]);
  });

  it('rejects an unknown type at the discriminator', () => {
    expect(issuePaths(DeviceEventV1Schema, { ...base, type: 'rebooted' })).toEqual(['type']);
  });

  it('checks the fields of the type', () => {
    expect(issuePaths(DeviceEventV1Schema, { ...sampleDeviceEvent, operation: 'firmware-updated' })).toEqual(['operation']);
    expect(issuePaths(DeviceEventV1Schema, { ...base, type: 'offline', lastContactAt: null, reason: 'Contact Timeout' })).toEqual([
      'reason',
    ]);
  });
});

describe('GatewayCommandResultV1Schema', () => {
  it('accepts the sample', () => {
    expect(issuesOf(GatewayCommandResultV1Schema, sampleGatewayCommandResult)).toEqual([]);
  });

  it('accepts a rejection of a type the gateway does not know', () => {
    const rejected = {
      ...sampleGatewayCommandResult,
      type: 'reboot-device',
      outcome: 'rejected',
      deviceSerial: null,
      startedAt: null,
      counts: null,
      error: { class: 'unsupported-command', message: 'Unknown command type reboot-device', deviceReturnCode: null },
    };
    expect(issuesOf(GatewayCommandResultV1Schema, rejected)).toEqual([]);
  });

  it('requires an error for any outcome but succeeded', () => {
    expect(issuesOf(GatewayCommandResultV1Schema, { ...sampleGatewayCommandResult, outcome: 'failed' })).toEqual([
      'error: an outcome other than succeeded must carry an error',
    ]);
  });

  it('rejects negative counts with the path of the count', () => {
    expect(issuePaths(GatewayCommandResultV1Schema, { ...sampleGatewayCommandResult, counts: { found: 3, new: -1, quarantined: 0 } })).toEqual([
      'counts.new',
    ]);
  });
});

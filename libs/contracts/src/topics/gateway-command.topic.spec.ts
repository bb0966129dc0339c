import { sampleGatewayCommand } from '../samples/topic-samples';
import {
  GATEWAY_COMMAND_TYPES,
  GatewayCommandEnvelopeSchema,
  GatewayCommandV1Schema,
  type GatewayCommandV1,
} from './gateway-command.topic';
import { issuePaths, issuesOf } from './schema-test-helpers';

const common = {
  commandId: '9d2f4e1a-7c3b-4f0e-a5d6-2b8c1e9f0a47',
  tenantId: 'acme',
  siteId: 'blr-hq',
  gatewayId: 'gw-blr-hq-1',
  issuedAt: '2025-03-10T04:00:00.000Z',
  deadline: '2025-03-10T04:15:00.000Z',
  requestedBy: 'ops@acme.example',
} as const;

const valid: GatewayCommandV1[] = [
  sampleGatewayCommand,
  {
    ...common,
    type: 'verify-count',
    args: {
      deviceSerial: 'CQZ7232460238',
      windows: [
        { from: '2025-03-10T02:00:00Z', to: '2025-03-10T03:00:00Z' },
        { from: '2025-03-10T03:00:00Z', to: '2025-03-10T04:00:00Z' },
      ],
    },
  },
  {
    ...common,
    type: 'lease-grant',
    args: {
      deviceSerial: 'CQZ7232460238',
      leaseId: '3c1d9c52-5d0e-4a57-9d6e-0b6b2f0e8f31',
      fencingToken: 8,
      expiresAt: '2025-03-10T04:05:00Z',
    },
  },
  {
    ...common,
    type: 'lease-revoke',
    args: { deviceSerial: 'CQZ7232460238', leaseId: '3c1d9c52-5d0e-4a57-9d6e-0b6b2f0e8f31', fencingToken: 8, reason: 'reassigned' },
  },
  { ...common, type: 'reload-roster', args: { full: false } },
  { ...common, type: 'push-users', args: { deviceSerial: 'CQZ7232460238', upsertDeviceUserIds: ['0042', '0043'], deleteDeviceUserIds: ['0007'] } },
  { ...common, type: 'push-users', args: { deviceSerial: 'CQZ7232460238', upsertDeviceUserIds: null, deleteDeviceUserIds: [] } },
];

describe('GatewayCommandV1Schema', () => {
  it.each(valid.map((command) => [command.type, command] as const))('accepts a %s command', (_type, command) => {
    expect(issuesOf(GatewayCommandV1Schema, command)).toEqual([]);
  });

  it('covers every command type', () => {
    expect(new Set(valid.map((c) => c.type))).toEqual(new Set(GATEWAY_COMMAND_TYPES));
  });

  it('rejects an unknown type at the discriminator', () => {
    expect(issuePaths(GatewayCommandV1Schema, { ...common, type: 'clear-log', args: {} })).toEqual(['type']);
  });

  it('checks args against the type', () => {
    expect(issuePaths(GatewayCommandV1Schema, { ...sampleGatewayCommand, args: { full: true } })).toEqual([
      'args.deviceSerial',
      'args.window',
      'args.reason',
    ]);
  });

  it('rejects an empty or inverted backfill window', () => {
    const inverted = { ...sampleGatewayCommand, args: { ...sampleGatewayCommand.args, window: { from: '2025-03-10T04:00:00Z', to: '2025-03-10T00:00:00Z' } } };
    expect(issuesOf(GatewayCommandV1Schema, inverted)).toEqual(['args.window.to: from must be before to']);
  });

  it('rejects a window longer than the maximum', () => {
    const long = { ...sampleGatewayCommand, args: { ...sampleGatewayCommand.args, window: { from: '2024-01-01T00:00:00Z', to: '2025-03-10T00:00:00Z' } } };
    expect(issuePaths(GatewayCommandV1Schema, long)).toEqual(['args.window.to']);
  });

  it('rejects a deadline before issuedAt', () => {
    expect(issuesOf(GatewayCommandV1Schema, { ...sampleGatewayCommand, deadline: '2025-03-10T03:00:00Z' })).toEqual([
      'deadline: deadline must be after issuedAt',
    ]);
  });

  it('rejects a non-positive fencing token', () => {
    const grant = valid.find((c) => c.type === 'lease-grant');
    expect(issuePaths(GatewayCommandV1Schema, { ...grant, args: { ...grant?.args, fencingToken: 0 } })).toEqual(['args.fencingToken']);
  });

  it('rejects an empty users list (null means everyone)', () => {
    const push = { ...common, type: 'push-users', args: { deviceSerial: 'SN1', upsertDeviceUserIds: [], deleteDeviceUserIds: [] } };
    expect(issuePaths(GatewayCommandV1Schema, push)).toEqual(['args.upsertDeviceUserIds']);
  });

  it('strips unknown fields, top level and in args', () => {
    const newer = { ...sampleGatewayCommand, priority: 'high', args: { ...sampleGatewayCommand.args, maxRecords: 10 } };
    expect(GatewayCommandV1Schema.parse(newer)).toEqual(sampleGatewayCommand);
  });
});

describe('GatewayCommandEnvelopeSchema', () => {
  it('reads the common fields of a command of an unknown type, so the gateway can reject it by id', () => {
    const future = { ...common, type: 'reboot-device', args: { deviceSerial: 'SN1' } };
    expect(GatewayCommandV1Schema.safeParse(future).success).toBe(false);
    expect(GatewayCommandEnvelopeSchema.parse(future)).toEqual({
      commandId: common.commandId,
      tenantId: 'acme',
      siteId: 'blr-hq',
      gatewayId: 'gw-blr-hq-1',
      type: 'reboot-device',
      issuedAt: common.issuedAt,
      deadline: common.deadline,
    });
  });
});

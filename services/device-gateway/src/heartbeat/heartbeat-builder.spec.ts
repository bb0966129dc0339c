import { GatewayHeartbeatV1Schema } from '@attendance/contracts';
import type { ConfiguredDevice } from '../config/gateway.config';
import type { StoredDeviceSummary } from '../store/heartbeat-source.repository';
import { buildHeartbeat, PUSH_CONTACT_TIMEOUT_MS, type HeartbeatInputs } from './heartbeat-builder';

const now = new Date('2026-06-01T10:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function stored(serial: string, fields: Partial<StoredDeviceSummary> = {}): StoredDeviceSummary {
  return {
    serial,
    protocol: 'zk-push2',
    registration: 'approved',
    reachable: null,
    lastContactAt: null,
    lastPunchReceivedAt: null,
    clockSkewSeconds: null,
    clockSkewMeasuredAt: null,
    recordsUsed: null,
    recordsMax: null,
    backlogCount: 0,
    lease: null,
    lastError: null,
    ...fields,
  };
}

function inputs(overrides: Partial<HeartbeatInputs> = {}): HeartbeatInputs {
  return {
    identity: { gatewayId: 'gw-1', tenantId: 'acme', siteId: 'site-1', version: '1.0.0' },
    startedAt: new Date('2026-06-01T09:00:00.000Z'),
    now,
    intervalMs: 15_000,
    uplink: { state: 'down', since: ago(60_000), consecutiveFailures: 4, lastError: 'x', lastOutageStartedAt: ago(60_000), lastOutageEndedAt: null },
    backlog: { count: 0, oldestCreatedAt: null },
    quarantinedCount: 0,
    disk: { usedBytes: 100, budgetBytes: 1000, freeBytes: 5000 },
    configuredDevices: new Map<string, ConfiguredDevice>(),
    storedDevices: [],
    ...overrides,
  };
}

describe(buildHeartbeat.name, () => {
  it('builds a heartbeat the contract accepts, with the uplink outage and no backlog age when empty', () => {
    const heartbeat = buildHeartbeat(inputs());
    expect(GatewayHeartbeatV1Schema.safeParse(heartbeat).success).toBe(true);
    expect(heartbeat.uplink).toEqual({ state: 'down', since: ago(60_000), lastOutageStartedAt: ago(60_000), lastOutageEndedAt: null });
    expect(heartbeat.backlog).toEqual({ count: 0, oldestReceivedAt: null, oldestAgeSeconds: null });
    expect(heartbeat.intervalSeconds).toBe(15);
  });

  it('reports the oldest unsent punch age and a spent disk budget as refusing', () => {
    const heartbeat = buildHeartbeat(inputs({ backlog: { count: 7, oldestCreatedAt: ago(90_000) }, disk: { usedBytes: 1000, budgetBytes: 1000, freeBytes: 0 } }));
    expect(heartbeat.backlog.oldestAgeSeconds).toBe(90);
    expect(heartbeat.disk.refusing).toBe(true);
  });

  it('calls a push device reachable only within the contact timeout, and trusts a pull adapter verdict', () => {
    const heartbeat = buildHeartbeat(
      inputs({
        storedDevices: [
          stored('FRESH', { lastContactAt: ago(PUSH_CONTACT_TIMEOUT_MS - 1000) }),
          stored('STALE', { lastContactAt: ago(PUSH_CONTACT_TIMEOUT_MS + 1000) }),
          stored('PULLED', { protocol: 'zk-tcp', reachable: false, lastContactAt: ago(1000) }),
        ],
      }),
    );
    expect(Object.fromEntries(heartbeat.devices.map((d) => [d.deviceSerial, d.reachable]))).toEqual({ FRESH: true, PULLED: false, STALE: false });
  });

  it('lists configured devices never seen, maps hikvision to hik-isapi, and keeps unknown serials pending', () => {
    const configured = new Map<string, ConfiguredDevice>([
      ['HIK1', { serial: 'HIK1', protocol: 'hikvision', timeZone: 'UTC' } as ConfiguredDevice],
    ]);
    const heartbeat = buildHeartbeat(inputs({ configuredDevices: configured, storedDevices: [stored('UNKNOWN1', { registration: 'pending' })] }));
    expect(heartbeat.devices.map((d) => [d.deviceSerial, d.protocol, d.registration, d.reachable])).toEqual([
      ['HIK1', 'hik-isapi', 'approved', false],
      ['UNKNOWN1', 'zk-push2', 'pending', false],
    ]);
  });

  it('derives capacity ratio, error class and a valid lease; leaves what nobody measured null', () => {
    const leaseId = '0b8f7f5e-2d1c-4b5e-9c61-3f0f3c7a9d10';
    const heartbeat = buildHeartbeat(
      inputs({
        storedDevices: [
          stored('ZK1', { recordsUsed: 120_000, recordsMax: 100_000, lastError: 'device-timeout: no answer in 5 s', lease: { leaseId, fencingToken: 3, expiresAt: ago(-60_000) } }),
          stored('ZK2', { recordsUsed: 10, lastError: 'Something odd happened', lease: { leaseId: 'not-a-uuid', fencingToken: 3, expiresAt: ago(-60_000) } }),
        ],
      }),
    );
    const [zk1, zk2] = heartbeat.devices;
    expect(zk1!.capacity).toEqual({ recordsUsed: 120_000, recordsMax: 100_000, usedRatio: 1 });
    expect(zk1!.lastErrorClass).toBe('device-timeout');
    expect(zk1!.lease).toEqual({ leaseId, fencingToken: 3, expiresAt: ago(-60_000) });
    expect(zk2!.capacity).toEqual({ recordsUsed: 10, recordsMax: null, usedRatio: null });
    expect(zk2!.lastErrorClass).toBeNull();
    expect(zk2!.lease).toBeNull();
    expect(zk2!.clockSkewSeconds).toBeNull();
    expect(GatewayHeartbeatV1Schema.safeParse(heartbeat).success).toBe(true);
  });
});

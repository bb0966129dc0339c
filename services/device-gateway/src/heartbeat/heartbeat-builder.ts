import {
  CodeSchema,
  HEARTBEAT_MAX_DEVICES,
  PunchProtocolSchema,
  UuidSchema,
  type GatewayHeartbeatDeviceV1,
  type GatewayHeartbeatV1,
  type PunchProtocol,
} from '@attendance/contracts';
import type { ConfiguredDevice } from '../config/gateway.config';
import type { UplinkState } from '../relay/uplink';
import type { StoredDeviceSummary } from '../store/heartbeat-source.repository';

/** A push device (ADMS, WS) counts as reachable when it was heard from within this long. */
export const PUSH_CONTACT_TIMEOUT_MS = 5 * 60_000;

export interface HeartbeatInputs {
  identity: { gatewayId: string; tenantId: string; siteId: string; version: string };
  startedAt: Date;
  now: Date;
  intervalMs: number;
  uplink: UplinkState;
  backlog: { count: number; oldestCreatedAt: string | null };
  quarantinedCount: number;
  disk: { usedBytes: number; budgetBytes: number; freeBytes: number };
  configuredDevices: ReadonlyMap<string, ConfiguredDevice>;
  storedDevices: readonly StoredDeviceSummary[];
}

const CONFIGURED_PROTOCOL: Record<ConfiguredDevice['protocol'], PunchProtocol> = {
  'zk-push2': 'zk-push2',
  'zk-tcp': 'zk-tcp',
  hikvision: 'hik-isapi',
  ws: 'ws',
};

/**
 * Builds edge.gateway.heartbeat.v1 from what the store knows. Every configured device is listed, even one
 * never heard from (reachable false, nulls), and so is every device seen on the LAN. Fields no adapter
 * measures for a device stay null (e.g. capacity of an ADMS device that never sent INFO=).
 */
export function buildHeartbeat(inputs: HeartbeatInputs): GatewayHeartbeatV1 {
  const { now } = inputs;
  const oldest = inputs.backlog.oldestCreatedAt;
  const stored = new Map(inputs.storedDevices.map((device) => [device.serial, device]));
  const serials = [...new Set([...inputs.configuredDevices.keys(), ...stored.keys()])].sort();
  const devices = serials.map((serial) => deviceSummary(serial, inputs.configuredDevices.get(serial), stored.get(serial), now));
  return {
    gatewayId: inputs.identity.gatewayId,
    tenantId: inputs.identity.tenantId,
    siteId: inputs.identity.siteId,
    gatewayVersion: inputs.identity.version,
    startedAt: inputs.startedAt.toISOString(),
    sentAt: now.toISOString(),
    intervalSeconds: Math.min(3600, Math.max(1, Math.round(inputs.intervalMs / 1000))),
    uplink: {
      state: inputs.uplink.state,
      since: inputs.uplink.since,
      lastOutageStartedAt: inputs.uplink.lastOutageStartedAt,
      lastOutageEndedAt: inputs.uplink.lastOutageEndedAt,
    },
    backlog: {
      count: inputs.backlog.count,
      oldestReceivedAt: oldest,
      oldestAgeSeconds: oldest === null ? null : Math.max(0, (now.getTime() - Date.parse(oldest)) / 1000),
    },
    quarantinedCount: inputs.quarantinedCount,
    disk: {
      usedBytes: inputs.disk.usedBytes,
      budgetBytes: inputs.disk.budgetBytes,
      freeBytes: inputs.disk.freeBytes,
      refusing: inputs.disk.usedBytes >= inputs.disk.budgetBytes,
    },
    // NOTE: the contract bounds the list; a site beyond it is not a real site, and the first serials still report
    devices: devices.slice(0, HEARTBEAT_MAX_DEVICES),
  };
}

function deviceSummary(serial: string, configured: ConfiguredDevice | undefined, stored: StoredDeviceSummary | undefined, now: Date): GatewayHeartbeatDeviceV1 {
  const lastContactAt = stored?.lastContactAt ?? null;
  const pushReachable = lastContactAt !== null && now.getTime() - Date.parse(lastContactAt) <= PUSH_CONTACT_TIMEOUT_MS;
  const used = stored?.recordsUsed ?? null;
  const max = stored?.recordsMax ?? null;
  return {
    deviceSerial: serial,
    protocol: protocolOf(stored?.protocol ?? null, configured),
    // a configured device is approved even before it first calls; only unknown serials wait as pending
    registration: configured || stored?.registration !== 'pending' ? 'approved' : 'pending',
    reachable: stored?.reachable ?? pushReachable,
    lastContactAt,
    lastPunchReceivedAt: stored?.lastPunchReceivedAt ?? null,
    clockSkewSeconds: stored?.clockSkewSeconds ?? null,
    clockSkewMeasuredAt: stored?.clockSkewSeconds == null ? null : (stored.clockSkewMeasuredAt ?? null),
    capacity:
      used === null || used < 0
        ? null
        : { recordsUsed: used, recordsMax: max, usedRatio: max !== null && max > 0 ? Math.min(1, used / max) : null },
    backlogCount: stored?.backlogCount ?? 0,
    lease: stored?.lease && UuidSchema.safeParse(stored.lease.leaseId).success && stored.lease.fencingToken > 0 ? stored.lease : null,
    lastErrorClass: errorClass(stored?.lastError ?? null),
  };
}

function protocolOf(stored: string | null, configured: ConfiguredDevice | undefined): PunchProtocol {
  const parsed = PunchProtocolSchema.safeParse(stored === 'hikvision' ? 'hik-isapi' : stored);
  if (parsed.success) return parsed.data;
  return configured ? CONFIGURED_PROTOCOL[configured.protocol] : 'zk-push2';
}

/** Adapters store `<class>: <detail>`; the class is reported when it is a code, else nothing. */
function errorClass(lastError: string | null): string | null {
  if (lastError === null) return null;
  const candidate = lastError.split(':')[0]!.trim();
  return CodeSchema.safeParse(candidate).success ? candidate : null;
}

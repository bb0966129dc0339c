import type { GatewayConfig } from '../config/gateway.config';
import type { EdgeStore } from '../store/edge-store';
import { DeviceViewRepository, type DeviceHealth, type LastPunch } from './device-view.repository';

export interface DeviceView {
  serial: string;
  name: string | null;
  protocol: string;
  /** Listed in the gateway's config file. */
  configured: boolean;
  /** Has contacted (or been reached by) this gateway. */
  seen: boolean;
  status: 'approved' | 'pending';
  approvedAt: string | null;
  /** Zone its punches are resolved in; null while pending (nothing is resolved yet). */
  timeZone: string | null;
  firstSeenAt: string | null;
  lastContactAt: string | null;
  pushVersion: string | null;
  lastPunch: Omit<LastPunch, 'serial'> | null;
  backlog: { unsent: number; oldestCreatedAt: string | null; oldestAgeSeconds: number | null };
  /** Raw requests stored while pending; they become punches on approval. */
  pendingRequests: number;
  quarantined: number;
  /** Kept by the protocol adapters: reachability, clock skew, log capacity, last error, reconciliation. */
  health: DeviceHealth | null;
}

export const ageSeconds = (iso: string | null, now: Date): number | null =>
  iso === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));

const latest = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);

/** Devices as the operator sees them: the configured ones and every serial seen on the LAN, merged. */
export class DeviceListService {
  private readonly views: DeviceViewRepository;

  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
  ) {
    this.views = new DeviceViewRepository(store.db);
  }

  list(now = new Date()): DeviceView[] {
    const seen = new Map(this.store.devices.list().map((d) => [d.serial, d]));
    const serials = [...new Set([...this.config.devices.keys(), ...seen.keys()])].sort();
    const backlog = new Map(this.views.backlogByDevice().map((b) => [b.serial, b]));
    const lastPunch = this.views.lastPunchByDevice();
    const pending = this.views.pendingRequestsByDevice();
    const quarantined = this.views.quarantinedByDevice();
    const health = this.views.healthBySerial();
    const names = this.views.referenceNames();
    return serials.map((serial): DeviceView => {
      const configured = this.config.devices.get(serial);
      const record = seen.get(serial);
      const deviceHealth = health.get(serial) ?? null;
      const status = configured ? 'approved' : (record?.status ?? 'pending');
      const punch = lastPunch.get(serial);
      const queued = backlog.get(serial);
      return {
        serial,
        name: configured?.name ?? names.get(serial) ?? null,
        protocol: configured?.protocol ?? record?.protocol ?? 'unknown',
        configured: configured !== undefined,
        seen: record !== undefined || deviceHealth?.lastContactAt != null,
        status,
        approvedAt: record?.approvedAt ?? null,
        timeZone: status === 'approved' ? (configured?.timeZone ?? this.config.siteTimeZone) : null,
        firstSeenAt: record?.firstSeenAt ?? null,
        lastContactAt: latest(record?.lastSeenAt ?? null, deviceHealth?.lastContactAt ?? null),
        pushVersion: record?.pushVersion ?? null,
        lastPunch: punch ? { receivedAt: punch.receivedAt, deviceUserId: punch.deviceUserId, employeeName: punch.employeeName, localTime: punch.localTime, punchedAt: punch.punchedAt, direction: punch.direction } : null,
        backlog: { unsent: queued?.unsent ?? 0, oldestCreatedAt: queued?.oldestCreatedAt ?? null, oldestAgeSeconds: ageSeconds(queued?.oldestCreatedAt ?? null, now) },
        pendingRequests: pending.get(serial) ?? 0,
        quarantined: quarantined.get(serial) ?? 0,
        health: deviceHealth,
      };
    });
  }

  get(serial: string, now = new Date()): DeviceView | null {
    return this.list(now).find((d) => d.serial === serial) ?? null;
  }

  backlog(now = new Date()): { unsent: number; oldestCreatedAt: string | null; oldestAgeSeconds: number | null; rejected: number; devices: { serial: string; unsent: number; oldestCreatedAt: string | null; oldestAgeSeconds: number | null }[] } {
    const devices = this.views.backlogByDevice();
    const oldest = devices.reduce<string | null>((min, d) => (d.oldestCreatedAt !== null && (min === null || d.oldestCreatedAt < min) ? d.oldestCreatedAt : min), null);
    return {
      unsent: devices.reduce((sum, d) => sum + d.unsent, 0),
      oldestCreatedAt: oldest,
      oldestAgeSeconds: ageSeconds(oldest, now),
      rejected: this.views.rejectedCount(),
      devices: devices.map((b) => ({ ...b, oldestAgeSeconds: ageSeconds(b.oldestCreatedAt, now) })),
    };
  }
}

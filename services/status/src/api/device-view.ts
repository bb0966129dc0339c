import type { DeviceRecord } from '../devices/device-record';
import { evaluateHealth, type HealthThresholds } from '../devices/health-rules';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const minutesAgo = (ms: number | null, nowMs: number): number | null => (ms === null ? null : Math.max(0, Math.floor((nowMs - ms) / 60000)));

/** "last synced 4 minutes ago", as the distributed-sync users phrase it. */
export function agoText(what: string, ms: number | null, nowMs: number): string {
  const minutes = minutesAgo(ms, nowMs);
  if (minutes === null) return `never ${what}`;
  if (minutes === 0) return `${what} just now`;
  if (minutes < 120) return `${what} ${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${what} ${hours} hours ago` : `${what} ${Math.floor(hours / 24)} days ago`;
}

/** The API's view of a device: the stored state with the reasons spelled out, and ages relative to now. */
export function toDeviceView(r: DeviceRecord, thresholds: HealthThresholds, nowMs: number) {
  const current = evaluateHealth(r, thresholds, nowMs);
  const messages = new Map(current.reasons.map((reason) => [reason.code, reason.message]));
  // "Synced" = everything the device had given its gateway was in the cloud: a heartbeat with no backlog for
  // it, or else (no heartbeat yet) its newest accepted punch.
  const lastSyncedAt = r.lastSyncedAt ?? r.lastPunchAcceptedAt;
  return {
    deviceSerial: r.deviceSerial,
    siteId: r.siteId,
    gatewayId: r.gatewayId,
    protocol: r.protocol,
    registration: r.registration,
    state: r.state || 'unknown',
    stateSince: iso(r.stateSince),
    reasons: r.reasonCodes.map((code) => ({ code, message: messages.get(code) ?? code })),
    reachable: r.reachable,
    lastContactAt: iso(r.lastContactAt),
    lastContactMinutesAgo: minutesAgo(r.lastContactAt, nowMs),
    lastSyncedAt: iso(lastSyncedAt),
    lastSyncedMinutesAgo: minutesAgo(lastSyncedAt, nowMs),
    lastSyncedText: agoText('synced', lastSyncedAt, nowMs),
    lastPunchAt: iso(r.lastPunchAt),
    counts: {
      punchesAccepted: r.punchesAccepted,
      recoveredByBackfill: r.recoveredByBackfill,
      waitingAtEdge: r.backlogCount,
      quarantinedLines: r.quarantinedLines,
    },
    backlogOldestAgeSeconds: r.backlogOldestAgeSeconds,
    clockSkewSeconds: r.clockSkewSeconds,
    capacity: r.capacityRecordsUsed === null && r.capacityUsedRatio === null ? null : { usedRatio: r.capacityUsedRatio, recordsUsed: r.capacityRecordsUsed, recordsMax: r.capacityRecordsMax },
    lastErrorClass: r.lastErrorClass,
    failedCommandsInRow: r.errorsInRow,
    lastSync: r.lastSync ? { ...r.lastSync, at: iso(r.lastSync.at) } : null,
    completeUpTo: iso(r.completeUpTo),
    lastAudit: r.lastAudit ? { operation: r.lastAudit.operation, at: iso(r.lastAudit.at) } : null,
  };
}
export type DeviceView = ReturnType<typeof toDeviceView>;

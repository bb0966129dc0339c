import type { DeviceHealthState } from '@attendance/contracts';

/**
 * Field names of a device's Redis hash. Short on purpose: a hash of ~30 short fields and values stays in
 * Redis' compact listpack encoding (values under 64 bytes), which is what keeps a device near 1 KB.
 */
export const F = {
  tenant: 't',
  site: 's',
  serial: 'n',
  gateway: 'gw',
  protocol: 'p',
  registration: 'reg',
  reachable: 'r',
  reachableAt: 'ra',
  lastContact: 'lc',
  lastPunch: 'lp',
  lastPunchAccepted: 'la',
  punches: 'pc',
  recovered: 'rc',
  backlog: 'bl',
  backlogOldestAge: 'ba',
  backlogAt: 'bt',
  lastSynced: 'ls',
  skew: 'sk',
  skewAt: 'st',
  capacityRatio: 'cr',
  capacityUsed: 'cu',
  capacityMax: 'cm',
  capacityAt: 'ct',
  lastError: 'e',
  lastErrorAt: 'et',
  errorsInRow: 'en',
  syncAt: 'ya',
  syncType: 'yt',
  syncOutcome: 'yo',
  syncFound: 'yf',
  syncNew: 'yn',
  completeUpTo: 'cw',
  auditOp: 'ao',
  auditAt: 'at',
  quarantined: 'q',
  rev: 'rev',
  state: 'h',
  stateSince: 'hs',
  reasons: 'hr',
  indexedSite: 'is',
} as const;

/**
 * What health needs of a record: the rules, the transition event and the claim read only these. The apply
 * path returns just their hash fields (HEALTH_FIELDS), half the hash: fewer values for Redis to convert and
 * for ioredis to parse on every update.
 */
export type HealthRecord = Pick<
  DeviceRecord,
  | 'tenantId' | 'siteId' | 'deviceSerial' | 'gatewayId' | 'reachable' | 'lastContactAt' | 'lastPunchAt' | 'backlogCount'
  | 'backlogOldestAgeSeconds' | 'clockSkewSeconds' | 'capacityUsedRatio' | 'lastErrorClass' | 'errorsInRow' | 'completeUpTo'
  | 'lastAudit' | 'rev' | 'state' | 'reasonCodes' | 'indexedSite'
>;

/** The hash fields of a HealthRecord, in the order APPLY_MANY returns their values (see healthRecordFromValues). */
export const HEALTH_FIELDS: readonly string[] = [
  F.tenant, F.site, F.serial, F.gateway, F.reachable, F.lastContact, F.lastPunch, F.backlog, F.backlogOldestAge, F.skew,
  F.capacityRatio, F.lastError, F.errorsInRow, F.completeUpTo, F.auditOp, F.auditAt, F.rev, F.state, F.reasons, F.indexedSite,
];

/** A device's health record as read from Redis (times are epoch milliseconds). */
export interface DeviceRecord {
  tenantId: string;
  siteId: string;
  deviceSerial: string;
  gatewayId: string | null;
  protocol: string | null;
  registration: string | null;
  reachable: boolean | null;
  lastContactAt: number | null;
  lastPunchAt: number | null;
  lastPunchAcceptedAt: number | null;
  punchesAccepted: number;
  recoveredByBackfill: number;
  backlogCount: number;
  backlogOldestAgeSeconds: number | null;
  lastSyncedAt: number | null;
  clockSkewSeconds: number | null;
  capacityUsedRatio: number | null;
  capacityRecordsUsed: number | null;
  capacityRecordsMax: number | null;
  lastErrorClass: string | null;
  lastErrorAt: number | null;
  errorsInRow: number;
  lastSync: { at: number; type: string; outcome: string; found: number | null; recovered: number | null } | null;
  completeUpTo: number | null;
  lastAudit: { operation: string; at: number } | null;
  quarantinedLines: number;
  /** Bumped by every write; a transition is claimed only against the revision it was computed from. */
  rev: string;
  /** '' until the first health state was claimed. */
  state: DeviceHealthState | '';
  stateSince: number | null;
  reasonCodes: string[];
  /** The site under which the indexes hold the device (differs from siteId only after a move). */
  indexedSite: string | null;
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));
const str = (v: string | undefined): string | null => (v === undefined || v === '' ? null : v);

/** Maps a device hash (HGETALL result) to a record; null when the hash does not exist. */
export function toDeviceRecord(hash: Record<string, string>): DeviceRecord | null {
  if (hash[F.tenant] === undefined || hash[F.serial] === undefined) return null;
  const syncAt = num(hash[F.syncAt]);
  const auditAt = num(hash[F.auditAt]);
  return {
    tenantId: hash[F.tenant]!,
    siteId: hash[F.site] ?? '',
    deviceSerial: hash[F.serial]!,
    gatewayId: str(hash[F.gateway]),
    protocol: str(hash[F.protocol]),
    registration: str(hash[F.registration]),
    reachable: hash[F.reachable] === undefined ? null : hash[F.reachable] === '1',
    lastContactAt: num(hash[F.lastContact]),
    lastPunchAt: num(hash[F.lastPunch]),
    lastPunchAcceptedAt: num(hash[F.lastPunchAccepted]),
    punchesAccepted: num(hash[F.punches]) ?? 0,
    recoveredByBackfill: num(hash[F.recovered]) ?? 0,
    backlogCount: num(hash[F.backlog]) ?? 0,
    backlogOldestAgeSeconds: num(hash[F.backlogOldestAge]),
    lastSyncedAt: num(hash[F.lastSynced]),
    clockSkewSeconds: num(hash[F.skew]),
    capacityUsedRatio: num(hash[F.capacityRatio]),
    capacityRecordsUsed: num(hash[F.capacityUsed]),
    capacityRecordsMax: num(hash[F.capacityMax]),
    lastErrorClass: str(hash[F.lastError]),
    lastErrorAt: num(hash[F.lastErrorAt]),
    errorsInRow: num(hash[F.errorsInRow]) ?? 0,
    lastSync:
      syncAt === null
        ? null
        : { at: syncAt, type: hash[F.syncType] ?? '', outcome: hash[F.syncOutcome] ?? '', found: num(hash[F.syncFound]), recovered: num(hash[F.syncNew]) },
    completeUpTo: num(hash[F.completeUpTo]),
    lastAudit: auditAt === null ? null : { operation: hash[F.auditOp] ?? '', at: auditAt },
    quarantinedLines: num(hash[F.quarantined]) ?? 0,
    rev: hash[F.rev] ?? '',
    state: (hash[F.state] ?? '') as DeviceRecord['state'],
    stateSince: num(hash[F.stateSince]),
    reasonCodes: hash[F.reasons] ? hash[F.reasons]!.split(',') : [],
    indexedSite: str(hash[F.indexedSite]),
  };
}


/**
 * Maps the values APPLY_MANY returned (HEALTH_FIELDS order, '' where absent) to a health record; '' reads as
 * absent, which toDeviceRecord treats the same as a field stored empty. The fields outside HealthRecord are
 * not read, so the type hides them.
 */
export function healthRecordFromValues(values: readonly string[]): HealthRecord | null {
  const hash: Record<string, string> = {};
  for (let i = 0; i < HEALTH_FIELDS.length; i++) {
    const value = values[i];
    if (value !== undefined && value !== '') hash[HEALTH_FIELDS[i]!] = value;
  }
  return toDeviceRecord(hash);
}

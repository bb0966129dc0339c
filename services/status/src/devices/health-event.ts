import { randomUUID } from 'node:crypto';
import { DeviceHealthV1Schema, type DeviceHealthState, type DeviceHealthV1 } from '@attendance/contracts';
import type { HealthRecord } from './device-record';
import type { HealthVerdict } from './health-rules';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The ops.device.health.v1 value of a transition, validated here so that nothing invalid enters the outbox. */
export function buildHealthEvent(record: HealthRecord, verdict: HealthVerdict, changedAtMs: number): DeviceHealthV1 {
  return DeviceHealthV1Schema.parse({
    eventId: randomUUID(),
    tenantId: record.tenantId,
    siteId: record.siteId,
    deviceSerial: record.deviceSerial,
    gatewayId: record.gatewayId,
    state: verdict.state,
    previousState: record.state === '' ? null : (record.state as DeviceHealthState),
    changedAt: new Date(changedAtMs).toISOString(),
    reasons: verdict.reasons.slice(0, 20).map((r) => ({ code: r.code, message: r.message.slice(0, 500) })),
    record: {
      lastContactAt: iso(record.lastContactAt),
      lastPunchAt: iso(record.lastPunchAt),
      backlogCount: record.backlogCount,
      backlogOldestAgeSeconds: record.backlogOldestAgeSeconds,
      clockSkewSeconds: record.clockSkewSeconds,
      capacityUsedRatio: record.capacityUsedRatio,
      lastErrorClass: record.lastErrorClass,
      completeUpTo: iso(record.completeUpTo),
    },
  });
}

/** A transition as kept in the device's recent list: `changedAtMs|from|to|reasonCodes` (compact on purpose). */
export function compactTransition(changedAtMs: number, from: string, to: string, reasonCodes: string): string {
  return `${changedAtMs}|${from}|${to}|${reasonCodes}`;
}

export function parseCompactTransition(line: string): { changedAt: string; from: string | null; to: string; reasons: string[] } {
  const [at, from, to, codes] = line.split('|');
  return { changedAt: new Date(Number(at)).toISOString(), from: from || null, to: to ?? '', reasons: codes ? codes.split(',') : [] };
}

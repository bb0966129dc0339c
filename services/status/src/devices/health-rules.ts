import type { DeviceHealthState } from '@attendance/contracts';
import type { StatusConfig } from '../config/status.config';
import type { HealthRecord } from './device-record';

export interface HealthThresholds {
  offlineAfterSeconds: number;
  backlogMaxAgeSeconds: number;
  clockSkewMaxSeconds: number;
  capacityWarnRatio: number;
  capacityCriticalRatio: number;
  repeatedErrors: number;
  completenessMaxLagSeconds: number;
  auditAlertSeconds: number;
}

export function thresholdsFromConfig(config: StatusConfig): HealthThresholds {
  return {
    offlineAfterSeconds: config.STATUS_OFFLINE_AFTER_SECONDS,
    backlogMaxAgeSeconds: config.STATUS_BACKLOG_MAX_AGE_SECONDS,
    clockSkewMaxSeconds: config.STATUS_CLOCK_SKEW_MAX_SECONDS,
    capacityWarnRatio: config.STATUS_CAPACITY_WARN_RATIO,
    capacityCriticalRatio: config.STATUS_CAPACITY_CRITICAL_RATIO,
    repeatedErrors: config.STATUS_REPEATED_ERRORS,
    completenessMaxLagSeconds: config.STATUS_COMPLETENESS_MAX_LAG_SECONDS,
    auditAlertSeconds: config.STATUS_AUDIT_ALERT_SECONDS,
  };
}

export interface HealthReason {
  code: string;
  message: string;
}

export interface HealthVerdict {
  state: DeviceHealthState;
  reasons: HealthReason[];
}

const SEVERITY: Record<DeviceHealthState, number> = { unknown: 0, healthy: 1, degraded: 2, unhealthy: 3, offline: 4 };

/**
 * The health of a device at `nowMs`, from its record alone (a pure function, so every replica and the sweep
 * reach the same verdict from the same record). The state is the worst of its reasons:
 * - offline: no contact for `offlineAfterSeconds`, or its gateway reports it unreachable;
 * - unhealthy: log capacity at or over the critical ratio;
 * - degraded: capacity over the warning ratio, backlog too old, clock skew, repeated command errors,
 *   completeness lagging, a recent "time set" / "logs deleted" on the device;
 * - unknown: never heard from (known only through, say, a completeness watermark);
 * - healthy otherwise.
 */
export function evaluateHealth(record: HealthRecord, t: HealthThresholds, nowMs: number): HealthVerdict {
  const reasons: (HealthReason & { state: DeviceHealthState })[] = [];
  const add = (state: DeviceHealthState, code: string, message: string) => reasons.push({ state, code, message });

  if (record.lastContactAt === null) {
    return { state: 'unknown', reasons: [{ code: 'no-contact', message: 'no contact with the device has been reported yet' }] };
  }
  const silentSeconds = (nowMs - record.lastContactAt) / 1000;
  if (silentSeconds >= t.offlineAfterSeconds) {
    add('offline', 'no-contact', `no contact for ${minutes(silentSeconds)} (threshold ${minutes(t.offlineAfterSeconds)})`);
  } else if (record.reachable === false) {
    add('offline', 'unreachable', `gateway ${record.gatewayId ?? '(unknown)'} reports the device unreachable`);
  }
  const ratio = record.capacityUsedRatio;
  if (ratio !== null && ratio >= t.capacityCriticalRatio) {
    add('unhealthy', 'capacity', `log capacity ${percent(ratio)} used (critical at ${percent(t.capacityCriticalRatio)})`);
  } else if (ratio !== null && ratio > t.capacityWarnRatio) {
    add('degraded', 'capacity', `log capacity ${percent(ratio)} used (threshold ${percent(t.capacityWarnRatio)})`);
  }
  if (record.backlogCount > 0 && record.backlogOldestAgeSeconds !== null && record.backlogOldestAgeSeconds > t.backlogMaxAgeSeconds) {
    add('degraded', 'backlog-age', `${record.backlogCount} punches waiting at the edge, oldest ${minutes(record.backlogOldestAgeSeconds)} (threshold ${minutes(t.backlogMaxAgeSeconds)})`);
  }
  if (record.clockSkewSeconds !== null && Math.abs(record.clockSkewSeconds) > t.clockSkewMaxSeconds) {
    add('degraded', 'clock-skew', `device clock ${record.clockSkewSeconds > 0 ? 'ahead' : 'behind'} by ${Math.abs(record.clockSkewSeconds).toFixed(1)} s (threshold ${t.clockSkewMaxSeconds} s)`);
  }
  if (record.errorsInRow >= t.repeatedErrors) {
    add('degraded', 'device-errors', `${record.errorsInRow} failed commands in a row, last error ${record.lastErrorClass ?? 'unknown'}`);
  }
  if (t.completenessMaxLagSeconds > 0 && record.completeUpTo !== null && (nowMs - record.completeUpTo) / 1000 > t.completenessMaxLagSeconds) {
    add('degraded', 'completeness-lag', `complete only up to ${new Date(record.completeUpTo).toISOString()}`);
  }
  if (record.lastAudit && (record.lastAudit.operation === 'time-set' || record.lastAudit.operation === 'logs-deleted')) {
    if ((nowMs - record.lastAudit.at) / 1000 <= t.auditAlertSeconds) {
      add('degraded', `audit-${record.lastAudit.operation}`, `"${record.lastAudit.operation}" done on the device at ${new Date(record.lastAudit.at).toISOString()}`);
    }
  }

  const state = reasons.reduce<DeviceHealthState>((worst, r) => (SEVERITY[r.state] > SEVERITY[worst] ? r.state : worst), 'healthy');
  return { state, reasons: reasons.map(({ code, message }) => ({ code, message })) };
}

/** The codes stored with the state (the messages are rebuilt when read). */
export function reasonCodes(verdict: HealthVerdict): string {
  return verdict.reasons.map((r) => r.code).join(',');
}

function minutes(secondsValue: number): string {
  return secondsValue < 120 ? `${Math.round(secondsValue)} s` : `${Math.round(secondsValue / 60)} min`;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

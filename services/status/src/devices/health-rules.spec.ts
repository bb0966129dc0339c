import type { DeviceRecord } from './device-record';
import { evaluateHealth, type HealthThresholds } from './health-rules';

const t: HealthThresholds = {
  offlineAfterSeconds: 600,
  backlogMaxAgeSeconds: 1800,
  clockSkewMaxSeconds: 120,
  capacityWarnRatio: 0.8,
  capacityCriticalRatio: 0.95,
  repeatedErrors: 3,
  completenessMaxLagSeconds: 3600,
  auditAlertSeconds: 86400,
};
const now = Date.parse('2025-03-10T10:00:00Z');

function aRecord(changes: Partial<DeviceRecord> = {}): DeviceRecord {
  return {
    tenantId: 'acme', siteId: 's1', deviceSerial: 'SN1', gatewayId: 'gw1', protocol: 'zk-push2', registration: 'approved',
    reachable: true, lastContactAt: now - 5000, lastPunchAt: null, lastPunchAcceptedAt: null, punchesAccepted: 0,
    recoveredByBackfill: 0, backlogCount: 0, backlogOldestAgeSeconds: null, lastSyncedAt: null, clockSkewSeconds: 0.5,
    capacityUsedRatio: 0.2, capacityRecordsUsed: 20, capacityRecordsMax: 100, lastErrorClass: null, lastErrorAt: null,
    errorsInRow: 0, lastSync: null, completeUpTo: null, lastAudit: null, quarantinedLines: 0, rev: '1', state: 'healthy',
    stateSince: null, reasonCodes: [], indexedSite: 's1',
    ...changes,
  };
}

const codes = (record: DeviceRecord) => evaluateHealth(record, t, now).reasons.map((r) => r.code);

describe(evaluateHealth.name, () => {
  it('is healthy with fresh contact and nothing wrong', () => {
    expect(evaluateHealth(aRecord(), t, now)).toEqual({ state: 'healthy', reasons: [] });
  });

  it('is unknown before any contact', () => {
    expect(evaluateHealth(aRecord({ lastContactAt: null }), t, now).state).toBe('unknown');
  });

  it('turns offline exactly at the no-contact threshold', () => {
    expect(evaluateHealth(aRecord({ lastContactAt: now - 599_999 }), t, now).state).toBe('healthy');
    const verdict = evaluateHealth(aRecord({ lastContactAt: now - 600_000 }), t, now);
    expect(verdict.state).toBe('offline');
    expect(verdict.reasons[0]).toEqual({ code: 'no-contact', message: 'no contact for 10 min (threshold 10 min)' });
  });

  it('is offline when its gateway reports it unreachable', () => {
    expect(evaluateHealth(aRecord({ reachable: false }), t, now)).toMatchObject({ state: 'offline', reasons: [{ code: 'unreachable' }] });
  });

  it.each([
    ['backlog-age', { backlogCount: 5, backlogOldestAgeSeconds: 1801 }],
    ['clock-skew', { clockSkewSeconds: -121 }],
    ['capacity', { capacityUsedRatio: 0.81 }],
    ['device-errors', { errorsInRow: 3, lastErrorClass: 'device-timeout' }],
    ['completeness-lag', { completeUpTo: now - 3_601_000 }],
    ['audit-logs-deleted', { lastAudit: { operation: 'logs-deleted', at: now - 1000 } }],
  ] as [string, Partial<DeviceRecord>][])('is degraded by %s', (code, changes) => {
    const verdict = evaluateHealth(aRecord(changes), t, now);
    expect(verdict.state).toBe('degraded');
    expect(verdict.reasons.map((r) => r.code)).toEqual([code]);
  });

  it('does not count what is within the thresholds', () => {
    expect(codes(aRecord({ backlogCount: 5, backlogOldestAgeSeconds: 1800, clockSkewSeconds: 120, capacityUsedRatio: 0.8, errorsInRow: 2 }))).toEqual([]);
    expect(codes(aRecord({ backlogCount: 0, backlogOldestAgeSeconds: 99999 }))).toEqual([]);
    expect(codes(aRecord({ lastAudit: { operation: 'time-set', at: now - 86_401_000 } }))).toEqual([]);
  });

  it('is unhealthy at critical capacity, and takes the worst of several reasons', () => {
    expect(evaluateHealth(aRecord({ capacityUsedRatio: 0.95, clockSkewSeconds: 500 }), t, now)).toMatchObject({ state: 'unhealthy' });
    const verdict = evaluateHealth(aRecord({ lastContactAt: now - 700_000, capacityUsedRatio: 0.97, clockSkewSeconds: 500 }), t, now);
    expect(verdict.state).toBe('offline');
    expect(verdict.reasons.map((r) => r.code)).toEqual(['no-contact', 'capacity', 'clock-skew']);
  });
});

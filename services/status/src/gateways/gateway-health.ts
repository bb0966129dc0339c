import type { HealthReason, HealthVerdict } from '../devices/health-rules';
import type { GatewayRecord } from './gateway-store';

export interface GatewayThresholds {
  missedHeartbeats: number;
  backlogMaxAgeSeconds: number;
}

/**
 * Health of a gateway, computed when read (gateways are few, and a gateway's silence already turns its
 * devices offline through their own sweep, which is what alerts):
 * offline after `missedHeartbeats` intervals without a heartbeat; degraded when its uplink is not up, its disk
 * budget is spent, or its backlog is older than the device threshold.
 */
export function evaluateGateway(g: GatewayRecord, t: GatewayThresholds, nowMs: number): HealthVerdict {
  const silentSeconds = (nowMs - g.lastHeartbeatAt) / 1000;
  if (silentSeconds > g.intervalSeconds * t.missedHeartbeats) {
    return { state: 'offline', reasons: [{ code: 'no-contact', message: `no heartbeat for ${Math.round(silentSeconds)} s (${t.missedHeartbeats} intervals of ${g.intervalSeconds} s)` }] };
  }
  const reasons: HealthReason[] = [];
  if (g.uplink.state !== 'up') reasons.push({ code: 'uplink', message: `uplink ${g.uplink.state} since ${new Date(g.uplink.since).toISOString()}` });
  if (g.disk.refusing) reasons.push({ code: 'disk-budget', message: 'disk budget spent: the gateway refuses device uploads' });
  if (g.backlog.count > 0 && g.backlog.oldestAgeSeconds !== null && g.backlog.oldestAgeSeconds > t.backlogMaxAgeSeconds) {
    reasons.push({ code: 'backlog-age', message: `${g.backlog.count} punches waiting, oldest ${Math.round(g.backlog.oldestAgeSeconds)} s` });
  }
  return { state: reasons.length > 0 ? 'degraded' : 'healthy', reasons };
}

import { Inject, Injectable } from '@nestjs/common';
import { DEVICE_HEALTH_STATES } from '../devices/health-states';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { toDeviceRecord, type DeviceRecord } from '../devices/device-record';
import { parseCompactTransition } from '../devices/health-event';
import { thresholdsFromConfig, type HealthThresholds } from '../devices/health-rules';
import { evaluateGateway } from '../gateways/gateway-health';
import { GatewayStore } from '../gateways/gateway-store';
import { execOrThrow, StatusRedis } from '../redis/status-redis';
import { toDeviceView, type DeviceView } from './device-view';

type ByState = Record<string, number>;

/** Read side of the API. Every method takes the tenant from the caller's API key, never from the request. */
@Injectable()
export class FleetQueries {
  private readonly thresholds: HealthThresholds;

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    private readonly redis: StatusRedis,
    private readonly gateways: GatewayStore,
  ) {
    this.thresholds = thresholdsFromConfig(config);
  }

  /** Devices by state for the tenant and each of its sites: one HGETALL of the counts hash. */
  async summary(tenantId: string): Promise<{ total: number; byState: ByState; sites: { siteId: string; total: number; byState: ByState }[] }> {
    const counts = await this.redis.client.hgetall(this.redis.keys.counts(tenantId));
    const byState = emptyByState();
    const sites = new Map<string, ByState>();
    for (const [field, value] of Object.entries(counts)) {
      const bar = field.lastIndexOf('|');
      const site = field.slice(0, bar);
      const state = field.slice(bar + 1);
      const n = Number(value);
      if (n <= 0) continue;
      byState[state] = (byState[state] ?? 0) + n;
      const siteCounts = sites.get(site) ?? emptyByState();
      siteCounts[state] = (siteCounts[state] ?? 0) + n;
      sites.set(site, siteCounts);
    }
    return {
      total: sum(byState),
      byState,
      sites: [...sites.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([siteId, s]) => ({ siteId, total: sum(s), byState: s })),
    };
  }

  async devicePage(tenantId: string, filter: { site?: string; state?: string }, limit: number, after: string | null): Promise<{ items: DeviceView[]; nextCursorSerial: string | null }> {
    const { client, keys } = this.redis;
    const serials = await client.zrangebylex(keys.deviceIndex(tenantId, filter), after === null ? '-' : `(${after}`, '+', 'LIMIT', 0, limit + 1);
    const page = serials.slice(0, limit);
    const records = await this.readDevices(tenantId, page);
    const now = Date.now();
    return {
      items: records.filter((r): r is DeviceRecord => r !== null).map((r) => toDeviceView(r, this.thresholds, now)),
      nextCursorSerial: serials.length > limit ? (page[page.length - 1] ?? null) : null,
    };
  }

  async device(tenantId: string, serial: string): Promise<(DeviceView & { recentTransitions: ReturnType<typeof parseCompactTransition>[] }) | null> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(this.redis.keys.device(tenantId, serial));
    pipeline.lrange(this.redis.keys.transitions(tenantId, serial), 0, -1);
    const [hash, lines] = (await execOrThrow(pipeline)) as [Record<string, string>, string[]];
    const record = toDeviceRecord(hash);
    if (!record || record.tenantId !== tenantId) return null;
    return { ...toDeviceView(record, this.thresholds, Date.now()), recentTransitions: lines.map(parseCompactTransition) };
  }

  async gatewayList(tenantId: string) {
    const now = Date.now();
    const thresholds = { missedHeartbeats: this.config.STATUS_GATEWAY_MISSED_HEARTBEATS, backlogMaxAgeSeconds: this.config.STATUS_BACKLOG_MAX_AGE_SECONDS };
    return (await this.gateways.list(tenantId)).map((g) => {
      const verdict = evaluateGateway(g, thresholds, now);
      const iso = (ms: number) => new Date(ms).toISOString();
      return {
        gatewayId: g.gatewayId,
        siteId: g.siteId,
        version: g.version,
        state: verdict.state,
        reasons: verdict.reasons,
        lastHeartbeatAt: iso(g.lastHeartbeatAt),
        lastHeartbeatMinutesAgo: Math.max(0, Math.floor((now - g.lastHeartbeatAt) / 60000)),
        startedAt: iso(g.startedAt),
        intervalSeconds: g.intervalSeconds,
        uplink: { state: g.uplink.state, since: iso(g.uplink.since) },
        backlog: g.backlog,
        quarantinedCount: g.quarantinedCount,
        disk: g.disk,
        deviceCount: g.deviceCount,
      };
    });
  }

  private async readDevices(tenantId: string, serials: readonly string[]): Promise<(DeviceRecord | null)[]> {
    if (serials.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const serial of serials) pipeline.hgetall(this.redis.keys.device(tenantId, serial));
    return (await execOrThrow<Record<string, string>>(pipeline)).map((h) => toDeviceRecord(h));
  }
}

function emptyByState(): ByState {
  return Object.fromEntries(DEVICE_HEALTH_STATES.map((s) => [s, 0]));
}

function sum(byState: ByState): number {
  return Object.values(byState).reduce((a, b) => a + b, 0);
}


import { Injectable } from '@nestjs/common';
import type { GatewayHeartbeatV1 } from '@attendance/contracts';
import { DependencyUnavailableError } from '@attendance/kafka';
import { execOrThrow, StatusRedis } from '../redis/status-redis';

/** A gateway as last heard (times in epoch ms). */
export interface GatewayRecord {
  tenantId: string;
  siteId: string;
  gatewayId: string;
  version: string;
  startedAt: number;
  lastHeartbeatAt: number;
  intervalSeconds: number;
  uplink: { state: string; since: number };
  backlog: { count: number; oldestAgeSeconds: number | null };
  quarantinedCount: number;
  disk: { usedBytes: number; budgetBytes: number; freeBytes: number; refusing: boolean };
  deviceCount: number;
}

/**
 * Gateways in Redis: one hash each (written through the APPLY script's newest-wins group, so a delayed
 * heartbeat never overwrites a newer one) and a lexicographic index per tenant.
 */
@Injectable()
export class GatewayStore {
  constructor(private readonly redis: StatusRedis) {}

  async applyHeartbeats(heartbeats: readonly GatewayHeartbeatV1[]): Promise<void> {
    if (heartbeats.length === 0) return;
    const { keys } = this.redis;
    const pipeline = this.redis.pipeline();
    for (const h of heartbeats) {
      const fields: Record<string, string | number> = {
        t: h.tenantId,
        s: h.siteId,
        id: h.gatewayId,
        v: h.gatewayVersion,
        sa: Date.parse(h.startedAt),
        i: h.intervalSeconds,
        u: h.uplink.state,
        us: Date.parse(h.uplink.since),
        bc: h.backlog.count,
        ba: h.backlog.oldestAgeSeconds ?? '',
        q: h.quarantinedCount,
        du: h.disk.usedBytes,
        db: h.disk.budgetBytes,
        df: h.disk.freeBytes,
        rf: h.disk.refusing ? 1 : 0,
        dc: h.devices.length,
      };
      const entries = Object.entries(fields);
      // NOTE: the gateway hash has no `lc` field, so APPLY never touches the contact watch (KEYS[2]) for it.
      pipeline.statusApply(keys.gateway(h.tenantId, h.gatewayId), keys.contactWatch(), '', '0', 'N', 'lh', String(Date.parse(h.sentAt)), String(entries.length), ...entries.flatMap(([f, v]) => [f, String(v)]));
      pipeline.zadd(keys.gatewayIndex(h.tenantId), 0, h.gatewayId);
    }
    try {
      await execOrThrow(pipeline);
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
  }

  async list(tenantId: string): Promise<GatewayRecord[]> {
    const ids = await this.redis.client.zrange(this.redis.keys.gatewayIndex(tenantId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.redis.keys.gateway(tenantId, id));
    const hashes = await execOrThrow<Record<string, string>>(pipeline);
    return hashes.map(toGatewayRecord).filter((g): g is GatewayRecord => g !== null);
  }
}

function toGatewayRecord(h: Record<string, string>): GatewayRecord | null {
  if (!h.id || !h.t) return null;
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    tenantId: h.t,
    siteId: h.s ?? '',
    gatewayId: h.id,
    version: h.v ?? '',
    startedAt: n(h.sa),
    lastHeartbeatAt: n(h.lh),
    intervalSeconds: n(h.i),
    uplink: { state: h.u ?? 'unknown', since: n(h.us) },
    backlog: { count: n(h.bc), oldestAgeSeconds: h.ba ? Number(h.ba) : null },
    quarantinedCount: n(h.q),
    disk: { usedBytes: n(h.du), budgetBytes: n(h.db), freeBytes: n(h.df), refusing: h.rf === '1' },
    deviceCount: n(h.dc),
  };
}

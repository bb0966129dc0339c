import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { StatusMetrics } from '../metrics/status-metrics';
import { splitWatchMember } from '../redis/status-keys';
import { execOrThrow, StatusRedis } from '../redis/status-redis';
import type { DeviceRecord } from './device-record';
import { DeviceStore } from './device-store';
import { HealthReconciler } from './health-reconciler';

const PAGE = 2000;
/** A larger backlog of silent devices is worked off over the next sweeps. */
const MAX_PER_SWEEP = 50_000;
const REMOVE_IF_SILENT = "local s = redis.call('ZSCORE', KEYS[1], ARGV[1]) if s and tonumber(s) <= tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end return 0";

/**
 * Turns silent devices offline: a device that stops reporting sends no message that could do it. Every
 * STATUS_SWEEP_INTERVAL_MS, the devices whose last contact is older than the offline threshold are read
 * from the contact watch (a sorted set by last contact, so the sweep costs what it finds, not the fleet
 * size) and re-evaluated. One replica sweeps at a time (a Redis lock); the claim makes a second one harmless.
 */
@Injectable()
export class StalenessSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly owner = randomUUID();

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly redis: StatusRedis,
    private readonly store: DeviceStore,
    private readonly reconciler: HealthReconciler,
    private readonly metrics: StatusMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return; // NOTE: a slow sweep is never overlapped by the next one
      this.running = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'staleness sweep failed; next interval retries'))
        .then(() => void 0)
        .finally(() => (this.running = null));
    }, this.config.STATUS_SWEEP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One sweep; returns how many transitions it claimed. */
  async sweep(nowMs = Date.now()): Promise<number> {
    const { client, keys } = this.redis;
    const locked = await client.set(keys.sweepLock(), this.owner, 'PX', Math.max(1000, this.config.STATUS_SWEEP_INTERVAL_MS * 2), 'NX');
    if (locked !== 'OK') return 0;
    const stop = this.metrics.sweepDuration.startTimer();
    let claimed = 0;
    try {
      const cutoff = nowMs - this.config.STATUS_OFFLINE_AFTER_SECONDS * 1000;
      // Read the candidates first: claiming removes offline devices from the watch and would shift pages.
      const members = await client.zrangebyscore(keys.contactWatch(), '-inf', cutoff, 'LIMIT', 0, MAX_PER_SWEEP);
      for (let start = 0; start < members.length; start += PAGE) {
        const page = members.slice(start, start + PAGE).map(splitWatchMember);
        const records = await this.store.read(page.map(({ tenant, serial }) => ({ tenantId: tenant, deviceSerial: serial })));
        const live = records.filter((r): r is DeviceRecord => r !== null && r.state !== 'offline');
        // Already offline (or gone): nothing to announce, just leave the watch.
        const done = page.filter((_, i) => records[i] === null || records[i]!.state === 'offline');
        if (done.length > 0) {
          // TRICKY: only if still silent; a contact since our read re-scored the member and must keep it.
          const pipeline = this.redis.pipeline();
          for (const d of done) pipeline.eval(REMOVE_IF_SILENT, 1, keys.contactWatch(), keys.watchMember(d.tenant, d.serial), String(cutoff));
          await execOrThrow(pipeline);
        }
        claimed += await this.reconciler.reconcile(live, nowMs);
        // Devices heard from since their watch score was set: bring the score up (GT: never backwards), so
        // they are not read again until they really fall silent. A device that went offline meanwhile and is
        // re-scored here is dropped by the next sweep.
        const alive = live.filter((r) => r.lastContactAt !== null && r.lastContactAt > cutoff);
        if (alive.length > 0) {
          const pipeline = this.redis.pipeline();
          for (const r of alive) pipeline.zadd(keys.contactWatch(), 'GT', r.lastContactAt!, keys.watchMember(r.tenantId, r.deviceSerial));
          await execOrThrow(pipeline);
        }
      }
    } finally {
      stop();
      await client.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, keys.sweepLock(), this.owner);
    }
    this.metrics.sweptOffline.inc(claimed);
    return claimed;
  }
}

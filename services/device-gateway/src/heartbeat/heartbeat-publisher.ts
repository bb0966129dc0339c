import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { TOPICS } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import { RELAY_STOP_GRACE_MS, settlesWithin } from '../relay/relay-loop';
import type { Uplink } from '../relay/uplink';
import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import { HeartbeatSourceRepository } from '../store/heartbeat-source.repository';
import { buildHeartbeat } from './heartbeat-builder';

/**
 * Publishes edge.gateway.heartbeat.v1 every `heartbeatIntervalMs` (and once at start) through the Uplink.
 * Heartbeats are not buffered: one lost while the uplink is down is superseded by the next, and consumers
 * call a gateway stale from the gap itself. A beat still in flight when the next is due is not doubled.
 */
export class HeartbeatPublisher {
  private readonly source: HeartbeatSourceRepository;
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly store: EdgeStore,
    private readonly uplink: Uplink,
    private readonly diskBudget: DiskBudget,
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
  ) {
    this.source = new HeartbeatSourceRepository(store.db);
  }

  start(): void {
    if (this.timer) return;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.config.heartbeatIntervalMs);
    this.timer.unref();
  }

  /**
   * Waits at most `graceMs` for a beat in flight (kafkajs may be retrying it with the broker unreachable); an
   * abandoned beat touches nothing when it settles, and the next gateway start sends a fresh one.
   */
  async stop(graceMs: number = RELAY_STOP_GRACE_MS): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await settlesWithin(this.inFlight, graceMs);
  }

  /** The heartbeat as it would be sent now (also for the local API and tests). */
  build(now: Date = new Date()) {
    return buildHeartbeat({
      identity: { gatewayId: this.config.gatewayId, tenantId: this.config.tenantId, siteId: this.config.siteId, version: this.config.version },
      startedAt: this.startedAt,
      now,
      intervalMs: this.config.heartbeatIntervalMs,
      uplink: this.uplink.state(),
      backlog: this.store.outbox.backlog(),
      quarantinedCount: this.source.quarantinedCount(),
      disk: { usedBytes: this.diskBudget.usedBytes(), budgetBytes: this.diskBudget.budgetBytes, freeBytes: freeBytesAt(this.config.databasePath) },
      configuredDevices: this.config.devices,
      storedDevices: this.source.devices(now.toISOString()),
    });
  }

  private beat(): void {
    if (this.inFlight) return;
    this.inFlight = this.publishOnce()
      .catch((err: unknown) => this.logger.debug({ err, uplink: this.uplink.state().state }, 'heartbeat not sent; the next one follows'))
      .finally(() => (this.inFlight = null));
  }

  private async publishOnce(): Promise<void> {
    await this.uplink.publish(TOPICS.gatewayHeartbeat, [this.build()]);
  }
}

function freeBytesAt(databasePath: string): number {
  try {
    const stats = statfsSync(dirname(databasePath));
    return Math.max(0, Math.floor(Number(stats.bavail) * Number(stats.bsize)));
  } catch {
    return 0;
  }
}

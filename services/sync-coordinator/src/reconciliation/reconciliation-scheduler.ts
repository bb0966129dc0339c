import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { WatermarksRepository } from '../completeness/watermarks.repository';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import { PunchCountsRepository } from './punch-counts.repository';
import { ReconciliationService } from './reconciliation.service';

/** Devices started per tick; the rest are due at the next tick (bounded work per tick, oldest first). */
const DEVICES_PER_TICK = 500;

/**
 * Every SYNC_SCHEDULER_TICK_SECONDS: brings directory devices into the watermark table, starts the scheduled
 * run of each device due (every SYNC_RECONCILE_INTERVAL_SECONDS), gives up on commands past their deadline,
 * and forgets old counted eventIds. Safe with several replicas: a due device is claimed by a conditional
 * stamp inside the transaction that starts its run, and every other state change is conditional too.
 */
@Injectable()
export class ReconciliationScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly db: SyncDatabase,
    private readonly reconciliation: ReconciliationService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.SYNC_SCHEDULER_TICK_SECONDS * 1000);
    this.timer.unref();
    void this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }

  /** One pass; overlapping calls share the pass in progress. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => (this.ticking = null));
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    try {
      const watermarks = new WatermarksRepository(this.db);
      await watermarks.syncWithDirectory();
      const due = await watermarks.due(this.config.SYNC_RECONCILE_INTERVAL_SECONDS, DEVICES_PER_TICK);
      let started = 0;
      for (const device of due) {
        try {
          if (await this.reconciliation.startScheduled(device)) started++;
        } catch (error) {
          this.logger.warn({ err: error, tenantId: device.tenantId, deviceSerial: device.deviceSerial }, 'could not start reconciliation');
        }
      }
      const expired = await this.reconciliation.expireOverdue();
      const retention = this.config.SYNC_COUNTED_EVENT_RETENTION_HOURS * 3_600_000;
      const pruned = await new PunchCountsRepository(this.db).prune(new Date(Date.now() - retention));
      if (started + expired + pruned > 0) this.logger.info({ due: due.length, started, expired, pruned }, 'reconciliation tick');
    } catch (error) {
      this.logger.warn({ err: error }, 'reconciliation tick failed; retrying at the next tick');
    }
  }
}

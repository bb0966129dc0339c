import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, type CompletenessV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SyncKafka } from '../kafka/sync-kafka';
import type { SqlExecutor } from '../persistence/sql-executor';
import { SyncDatabase } from '../persistence/sync-database';
import { EdgeSyncMetrics } from '../reconciliation/edge-sync-metrics';
import { advanceWatermark } from '../reconciliation/hour-windows';
import { WatermarksRepository } from './watermarks.repository';

/**
 * Completeness: a device is complete up to T when it has been reconciled up to T; a site when all its devices
 * are. The device watermark moves only over verified hours (contiguously); the site watermark is published to
 * `attendance.completeness.v1` each time it moves forward, and never backwards.
 */
@Injectable()
export class CompletenessService {
  constructor(
    private readonly db: SyncDatabase,
    private readonly kafka: SyncKafka,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly metrics: EdgeSyncMetrics,
  ) {}

  /**
   * Inside the caller's transaction: moves the device's watermark over `verifiedHours` and, when its site's
   * watermark moves as a result, publishes it before the transaction commits. If the publish fails the whole
   * transaction rolls back and is retried, so a stored watermark is never left unpublished; a publish whose
   * commit then fails is re-sent later with the same or a higher value, which consumers take as it is.
   */
  async recordVerified(tx: SqlExecutor, tenantId: string, deviceSerial: string, verifiedHours: readonly Date[], now: Date): Promise<Date | null> {
    const watermarks = new WatermarksRepository(tx);
    const device = await watermarks.lockDevice(tenantId, deviceSerial);
    if (!device) return null;
    const next = advanceWatermark(device.reconciledUpTo, verifiedHours);
    if (next.getTime() <= device.reconciledUpTo.getTime()) {
      await watermarks.touchReconciled(tenantId, deviceSerial);
      return device.reconciledUpTo;
    }
    await watermarks.setReconciled(tenantId, deviceSerial, next);
    const site = await watermarks.advanceSite(tenantId, device.siteId, now);
    if (site) {
      await this.kafka.producer.publish(TOPICS.completeness, [site]);
      this.metrics.completenessPublished.inc();
      this.logger.info({ tenantId, siteId: site.siteId, completeUpTo: site.completeUpTo }, 'site completeness advanced');
    }
    return next;
  }

  site(tenantId: string, siteId: string): Promise<CompletenessV1 | null> {
    return new WatermarksRepository(this.db).siteView(tenantId, siteId, new Date());
  }

  async sites(tenantId: string): Promise<CompletenessV1[]> {
    const repository = new WatermarksRepository(this.db);
    const now = new Date();
    const views = await Promise.all((await repository.sitesOf(tenantId)).map((siteId) => repository.siteView(tenantId, siteId, now)));
    return views.filter((v): v is CompletenessV1 => v !== null);
  }
}

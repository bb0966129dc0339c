import { HEARTBEAT_MAX_DEVICES, type CompletenessV1 } from '@attendance/contracts';
import type { SqlExecutor } from '../persistence/sql-executor';

export interface DeviceWatermark {
  deviceSerial: string;
  siteId: string;
  protocol: string | null;
  reconciledUpTo: Date;
  lastReconciledAt: Date | null;
  lastScheduledAt: Date | null;
}

interface StateRow {
  tenant_id: string;
  device_serial: string;
  site_id: string;
  protocol: string | null;
  reconciled_up_to: Date;
  last_reconciled_at: Date | null;
  last_scheduled_at: Date | null;
}

const toWatermark = (r: StateRow): DeviceWatermark => ({
  deviceSerial: r.device_serial,
  siteId: r.site_id,
  protocol: r.protocol,
  reconciledUpTo: new Date(r.reconciled_up_to),
  lastReconciledAt: r.last_reconciled_at ? new Date(r.last_reconciled_at) : null,
  lastScheduledAt: r.last_scheduled_at ? new Date(r.last_scheduled_at) : null,
});

/** Per-device "reconciled up to" watermarks and the last published watermark of each site. */
export class WatermarksRepository {
  constructor(private readonly sql: SqlExecutor) {}

  async lockDevice(tenantId: string, deviceSerial: string): Promise<DeviceWatermark | null> {
    const rows = await this.sql.query<StateRow>(
      'SELECT * FROM sync.device_sync_state WHERE tenant_id = $1 AND device_serial = $2 FOR UPDATE',
      [tenantId, deviceSerial],
    );
    return rows[0] ? toWatermark(rows[0]) : null;
  }

  async findDevice(tenantId: string, deviceSerial: string): Promise<DeviceWatermark | null> {
    const rows = await this.sql.query<StateRow>('SELECT * FROM sync.device_sync_state WHERE tenant_id = $1 AND device_serial = $2', [tenantId, deviceSerial]);
    return rows[0] ? toWatermark(rows[0]) : null;
  }

  async setReconciled(tenantId: string, deviceSerial: string, upTo: Date): Promise<void> {
    await this.sql.query(
      `UPDATE sync.device_sync_state SET reconciled_up_to = greatest(reconciled_up_to, $3), last_reconciled_at = now()
       WHERE tenant_id = $1 AND device_serial = $2`,
      [tenantId, deviceSerial, upTo.toISOString()],
    );
  }

  async touchReconciled(tenantId: string, deviceSerial: string): Promise<void> {
    await this.sql.query('UPDATE sync.device_sync_state SET last_reconciled_at = now() WHERE tenant_id = $1 AND device_serial = $2', [tenantId, deviceSerial]);
  }

  /**
   * Devices of the directory get a watermark row starting at their activation (created_at, never behind the
   * site's published watermark); deleted ones stop holding their site back.
   */
  async syncWithDirectory(): Promise<void> {
    await this.sql.query(
      `INSERT INTO sync.device_sync_state (tenant_id, device_serial, site_id, protocol, activated_at, reconciled_up_to)
       SELECT d.tenant_id, d.serial, d.site_id, d.protocol, d.created_at,
              greatest(date_trunc('hour', d.created_at, 'UTC'), sc.complete_up_to)
       FROM sync.devices d
       LEFT JOIN sync.site_completeness sc ON sc.tenant_id = d.tenant_id AND sc.site_id = d.site_id
       WHERE d.deleted_at IS NULL
       ON CONFLICT (tenant_id, device_serial) DO UPDATE SET site_id = EXCLUDED.site_id, protocol = EXCLUDED.protocol
       WHERE device_sync_state.site_id IS DISTINCT FROM EXCLUDED.site_id OR device_sync_state.protocol IS DISTINCT FROM EXCLUDED.protocol`,
    );
    await this.sql.query(
      `DELETE FROM sync.device_sync_state s USING sync.devices d
       WHERE d.tenant_id = s.tenant_id AND d.serial = s.device_serial AND d.deleted_at IS NOT NULL`,
    );
  }

  /** Devices whose scheduled reconciliation is due, longest waiting first (claimed later, see claim). */
  async due(intervalSeconds: number, limit: number): Promise<(DeviceWatermark & { tenantId: string })[]> {
    const rows = await this.sql.query<StateRow>(
      `SELECT * FROM sync.device_sync_state
       WHERE last_scheduled_at IS NULL OR last_scheduled_at < now() - make_interval(secs => $1)
       ORDER BY last_scheduled_at NULLS FIRST LIMIT $2`,
      [intervalSeconds, limit],
    );
    return rows.map((r) => ({ ...toWatermark(r), tenantId: r.tenant_id }));
  }

  /**
   * Claims a due device for this run: a conditional stamp, so of several replicas (or overlapping ticks) only
   * one starts the run; the stamp commits or rolls back with the run itself.
   */
  async claim(tenantId: string, deviceSerial: string, intervalSeconds: number): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE sync.device_sync_state SET last_scheduled_at = now()
       WHERE tenant_id = $1 AND device_serial = $2
         AND (last_scheduled_at IS NULL OR last_scheduled_at < now() - make_interval(secs => $3))
       RETURNING 1`,
      [tenantId, deviceSerial, intervalSeconds],
    );
    return rows.length > 0;
  }

  /**
   * The site's watermark over its devices, published only when it moved forward: locks the site's row, so
   * concurrent advances of two devices of one site publish in order and never a lower value after a higher.
   */
  async advanceSite(tenantId: string, siteId: string, now: Date): Promise<CompletenessV1 | null> {
    await this.sql.query(
      `INSERT INTO sync.site_completeness (tenant_id, site_id, complete_up_to, published_at) VALUES ($1, $2, 'epoch', 'epoch')
       ON CONFLICT DO NOTHING`,
      [tenantId, siteId],
    );
    const [site] = await this.sql.query<{ complete_up_to: Date }>(
      'SELECT complete_up_to FROM sync.site_completeness WHERE tenant_id = $1 AND site_id = $2 FOR UPDATE',
      [tenantId, siteId],
    );
    const view = await this.siteView(tenantId, siteId, now);
    if (!view) return null;
    // 'epoch' stands for "never published"; any real watermark is later.
    const published = site ? new Date(site.complete_up_to).getTime() : 0;
    if (!(Date.parse(view.completeUpTo) > published)) return null;
    await this.sql.query('UPDATE sync.site_completeness SET complete_up_to = $3, published_at = $4 WHERE tenant_id = $1 AND site_id = $2', [
      tenantId,
      siteId,
      view.completeUpTo,
      now.toISOString(),
    ]);
    return view;
  }

  /** The completeness of a site as the contract shapes it; null when the site has no device. */
  async siteView(tenantId: string, siteId: string, now: Date): Promise<CompletenessV1 | null> {
    const rows = await this.sql.query<StateRow>(
      'SELECT * FROM sync.device_sync_state WHERE tenant_id = $1 AND site_id = $2 ORDER BY device_serial LIMIT $3',
      [tenantId, siteId, HEARTBEAT_MAX_DEVICES],
    );
    if (rows.length === 0) return null;
    const devices = rows.map(toWatermark);
    const min = Math.min(...devices.map((d) => d.reconciledUpTo.getTime()));
    return {
      tenantId,
      siteId,
      completeUpTo: new Date(min).toISOString(),
      computedAt: now.toISOString(),
      devices: devices.map((d) => ({
        deviceSerial: d.deviceSerial,
        completeUpTo: d.reconciledUpTo.toISOString(),
        lastReconciledAt: d.lastReconciledAt?.toISOString() ?? null,
      })),
    };
  }

  async sitesOf(tenantId: string): Promise<string[]> {
    const rows = await this.sql.query<{ site_id: string }>('SELECT DISTINCT site_id FROM sync.device_sync_state WHERE tenant_id = $1 ORDER BY site_id', [tenantId]);
    return rows.map((r) => r.site_id);
  }
}

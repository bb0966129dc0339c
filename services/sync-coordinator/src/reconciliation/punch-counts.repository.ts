import type { SqlExecutor } from '../persistence/sql-executor';
import type { TimeWindow } from './hour-windows';
import { floorToHour } from './hour-windows';

export interface CountedPunch {
  eventId: string;
  tenantId: string;
  deviceSerial: string;
  punchedAt: string;
}

/**
 * Per (tenant, device, UTC hour) counts of accepted punches.
 *
 * Idempotent by construction: a batch inserts its eventIds into `counted_punches` with ON CONFLICT DO NOTHING,
 * and only the ids that were really new add to the hour counts, in the same statement. A redelivered event
 * (same eventId) finds its id and adds nothing. Cost per punch: one 60-byte row plus its index entry, kept
 * only for the redelivery horizon (see prune); the counts themselves are one row per device-hour.
 */
export class PunchCountsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** Counts a batch; returns how many events were new (the rest were redeliveries). */
  async count(punches: readonly CountedPunch[]): Promise<number> {
    if (punches.length === 0) return 0;
    const rows = await this.sql.query<{ added: string }>(
      `WITH incoming AS (
         SELECT DISTINCT ON (event_id) event_id, tenant_id, device_serial, hour
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS t(event_id, tenant_id, device_serial, hour)
         ORDER BY event_id
       ), fresh AS (
         INSERT INTO sync.counted_punches (event_id, tenant_id, device_serial, hour)
         SELECT event_id, tenant_id, device_serial, hour FROM incoming
         ON CONFLICT (event_id) DO NOTHING
         RETURNING tenant_id, device_serial, hour
       ), bumped AS (
         INSERT INTO sync.device_hour_counts AS c (tenant_id, device_serial, hour, count)
         SELECT tenant_id, device_serial, hour, count(*) FROM fresh GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
         ON CONFLICT (tenant_id, device_serial, hour) DO UPDATE SET count = c.count + EXCLUDED.count
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM fresh) AS added`,
      [
        punches.map((p) => p.eventId),
        punches.map((p) => p.tenantId),
        punches.map((p) => p.deviceSerial),
        punches.map((p) => floorToHour(new Date(p.punchedAt)).toISOString()),
      ],
    );
    return Number(rows[0]?.added ?? 0);
  }

  /** The cloud's count for each hour of the window that has punches (absent hours have none). */
  async hourCounts(tenantId: string, deviceSerial: string, window: TimeWindow): Promise<Map<number, number>> {
    const rows = await this.sql.query<{ hour: Date; count: number }>(
      `SELECT hour, count FROM sync.device_hour_counts
       WHERE tenant_id = $1 AND device_serial = $2 AND hour >= $3 AND hour < $4`,
      [tenantId, deviceSerial, window.from.toISOString(), window.to.toISOString()],
    );
    return new Map(rows.map((r) => [new Date(r.hour).getTime(), Number(r.count)]));
  }

  /** Forgets eventIds counted before `before`, a slice at a time (short transactions, no long lock). */
  async prune(before: Date, sliceSize = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.sql.query<{ event_id: string }>(
        `DELETE FROM sync.counted_punches WHERE event_id IN (
           SELECT event_id FROM sync.counted_punches WHERE counted_at < $1 LIMIT $2
         ) RETURNING event_id`,
        [before.toISOString(), sliceSize],
      );
      total += rows.length;
      if (rows.length < sliceSize) return total;
    }
  }
}

import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface LastPunchOfPerson {
  deviceUserId: string;
  employeeName: string | null;
  deviceSerial: string;
  punchedAt: string;
  localTime: string;
  direction: string;
  punchesToday: number;
}

/**
 * Last punch per person since an instant, from the punch outbox (published rows stay there for
 * PUBLISHED_RETENTION_HOURS, so "today" is answerable offline). Rows are appended with a non-decreasing
 * created_at, so the rows received since a cut-off are an id suffix, found by binary search on the primary
 * key instead of a scan of the whole outbox.
 */
export class PresenceRepository {
  private readonly boundsStmt: Statement<[], { lo: number | null; hi: number | null }>;
  private readonly createdAtStmt: Statement<[number], { id: number; created_at: string }>;
  private readonly lastPerPersonStmt: Statement<{ fromId: number; since: string }, Record<string, unknown>>;

  constructor(db: EdgeDatabase) {
    this.boundsStmt = db.prepare('SELECT MIN(id) AS lo, MAX(id) AS hi FROM punch_outbox');
    this.createdAtStmt = db.prepare('SELECT id, created_at FROM punch_outbox WHERE id >= ? ORDER BY id LIMIT 1');
    this.lastPerPersonStmt = db.prepare(
      `WITH recent AS (
         SELECT id, device_serial, json_extract(payload, '$.deviceUserId') AS user_id, json_extract(payload, '$.punchedAt') AS punched_at,
                json_extract(payload, '$.localTime') AS local_time, json_extract(payload, '$.direction') AS direction
         FROM punch_outbox WHERE id >= @fromId),
       ranked AS (
         SELECT *, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY punched_at DESC, id DESC) AS rn, COUNT(*) OVER (PARTITION BY user_id) AS n
         FROM recent WHERE punched_at >= @since)
       SELECT r.user_id, r.device_serial, r.punched_at, r.local_time, r.direction, r.n,
              (SELECT MIN(e.name) FROM reference_employee e WHERE e.code = r.user_id) AS employee_name
       FROM ranked r WHERE r.rn = 1 ORDER BY r.punched_at DESC`,
    );
  }

  /** Each person's newest punch at or after `since` (UTC), considering rows received at or after `receivedSince`. */
  lastPunchPerPerson(since: string, receivedSince: string): LastPunchOfPerson[] {
    return this.lastPerPersonStmt.all({ fromId: this.firstIdReceivedSince(receivedSince), since }).map((r) => ({
      deviceUserId: r.user_id as string,
      employeeName: (r.employee_name as string | null) ?? null,
      deviceSerial: r.device_serial as string,
      punchedAt: r.punched_at as string,
      localTime: r.local_time as string,
      direction: r.direction as string,
      punchesToday: r.n as number,
    }));
  }

  private firstIdReceivedSince(cutoff: string): number {
    const { lo, hi } = this.boundsStmt.get()!;
    if (lo === null || hi === null) return 0;
    let low = lo;
    let high = hi + 1;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const row = this.createdAtStmt.get(mid);
      if (row && row.created_at < cutoff) low = row.id + 1;
      else high = mid;
    }
    return low;
  }
}

import type { DataSource } from 'typeorm';

const DAY_MS = 24 * 60 * 60 * 1000;
// 42P07 duplicate_table, 42P17 invalid_object_definition ("would overlap partition"): another replica created
// the same day between our check and our CREATE; the partition exists, which is all we wanted.
const CREATED_CONCURRENTLY = new Set(['42P07', '42P17']);

/** `2024-01-15` → `punches_p20240115`. */
export function partitionName(day: string): string {
  return `punches_p${day.replace(/-/g, '')}`;
}

/**
 * Keeps the daily partitions of `ingest.punches` in step with the data: creates the days a batch needs
 * (cached, so the steady state costs a Set lookup), creates days ahead of time, and retires old ones.
 */
export class PartitionManager {
  private readonly known = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  /** Ensures a partition exists for every day of the given local times (`YYYY-MM-DDTHH:mm:ss`). */
  async ensureForLocalTimes(localTimes: Iterable<string>): Promise<void> {
    const missing = new Set<string>();
    for (const localTime of localTimes) {
      const day = localTime.slice(0, 10);
      if (!this.known.has(day)) missing.add(day);
    }
    for (const day of missing) await this.ensureDay(day);
  }

  /** Creates partitions for `daysBack` days before and `daysAhead` days after `now` (UTC days, ±1 for zones). */
  async ensureWindow(now: Date, daysBack: number, daysAhead: number): Promise<void> {
    for (let offset = -daysBack - 1; offset <= daysAhead + 1; offset++) {
      await this.ensureDay(new Date(now.getTime() + offset * DAY_MS).toISOString().slice(0, 10));
    }
  }

  /**
   * Drops partitions whose whole day is older than `retentionDays` before `now`. Detach first (brief lock),
   * then drop the detached table; returns the days dropped.
   */
  async retireOlderThan(now: Date, retentionDays: number): Promise<string[]> {
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString().slice(0, 10);
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE n.nspname = 'ingest' AND p.relname = 'punches'`,
    );
    const dropped: string[] = [];
    for (const { name } of rows) {
      const match = /^punches_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!match) continue;
      const day = `${match[1]}-${match[2]}-${match[3]}`;
      if (day >= cutoff) continue;
      await this.dataSource.query(`ALTER TABLE ingest.punches DETACH PARTITION ingest.${name}`);
      await this.dataSource.query(`DROP TABLE ingest.${name}`);
      this.known.delete(day);
      dropped.push(day);
    }
    return dropped;
  }

  private async ensureDay(day: string): Promise<void> {
    if (this.known.has(day)) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    try {
      await this.dataSource.query(
        `CREATE TABLE IF NOT EXISTS ingest.${partitionName(day)} PARTITION OF ingest.punches FOR VALUES FROM ('${day}') TO ('${next}')`,
      );
    } catch (error) {
      const code = (error as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (error as { code?: string }).code;
      if (!CREATED_CONCURRENTLY.has(code ?? '')) throw error;
    }
    this.known.add(day);
  }
}

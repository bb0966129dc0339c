import type { DataSource } from 'typeorm';
import type { PunchRawV1 } from '@attendance/contracts';
import { classifyPostgresError } from '@attendance/persistence';

const COLUMNS = [
  ['event_id', 'uuid'],
  ['tenant_id', 'text'],
  ['site_id', 'text'],
  ['gateway_id', 'text'],
  ['device_serial', 'text'],
  ['protocol', 'text'],
  ['device_user_id', 'text'],
  ['local_time', 'timestamp'],
  ['time_zone', 'text'],
  ['punched_at', 'timestamptz'],
  ['direction', 'text'],
  ['direction_raw', 'text'],
  ['verify_mode', 'text'],
  ['verify_mode_raw', 'text'],
  ['work_code', 'text'],
  ['source', 'text'],
  ['received_at', 'timestamptz'],
  ['device_cursor', 'text'],
  ['flags', 'jsonb'],
  ['raw', 'text'],
] as const;

// One statement per batch: arrays unnested into rows, duplicates (same identity) silently kept out by the
// unique constraints. RETURNING tells us which punches are new.
const INSERT_SQL = `
  INSERT INTO ingest.punches (${COLUMNS.map(([c]) => c).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
  ON CONFLICT DO NOTHING
  RETURNING event_id`;

export interface WriteResult {
  inserted: string[];
  duplicates: number;
}

/** Writes punches idempotently: exactly one row per punch identity, however often a punch arrives. */
export class PunchWriter {
  constructor(private readonly dataSource: DataSource) {}

  async write(punches: readonly PunchRawV1[]): Promise<WriteResult> {
    const unique = [...new Map(punches.map((p) => [p.eventId, p])).values()];
    const columns: unknown[][] = COLUMNS.map(() => []);
    for (const p of unique) {
      const values = [
        p.eventId, p.tenantId, p.siteId, p.gatewayId, p.deviceSerial, p.protocol, p.deviceUserId,
        p.localTime, p.timeZone, p.punchedAt, p.direction, p.directionRaw, p.verifyMode, p.verifyModeRaw,
        p.workCode, p.source, p.receivedAt, p.deviceCursor, JSON.stringify(p.flags), p.raw,
      ];
      values.forEach((v, i) => columns[i]!.push(v ?? null));
    }
    try {
      const rows: { event_id: string }[] = await this.dataSource.transaction((manager) => manager.query(INSERT_SQL, columns));
      return { inserted: rows.map((r) => r.event_id), duplicates: punches.length - rows.length };
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }
}

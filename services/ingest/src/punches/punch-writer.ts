import type { DataSource } from 'typeorm';
import type { PunchRawV1 } from '@attendance/contracts';
import { classifyPostgresError } from '@attendance/persistence';
import type { PartitionManager } from '../persistence/partition-manager';

/** Column name, array type for unnest, and how to read it from a punch. */
const COLUMNS: readonly [string, string, (p: PunchRawV1, firstSeenAt: string) => unknown][] = [
  ['tenant_id', 'text', (p) => p.tenantId],
  ['device_serial', 'text', (p) => p.deviceSerial],
  ['device_user_id', 'text', (p) => p.deviceUserId],
  ['local_time', 'timestamp', (p) => p.localTime],
  ['event_id', 'uuid', (p) => p.eventId],
  ['site_id', 'text', (p) => p.siteId],
  ['gateway_id', 'text', (p) => p.gatewayId],
  ['protocol', 'text', (p) => p.protocol],
  ['time_zone', 'text', (p) => p.timeZone],
  ['punched_at', 'timestamptz', (p) => p.punchedAt],
  ['direction', 'text', (p) => p.direction],
  ['direction_raw', 'text', (p) => p.directionRaw],
  ['verify_mode', 'text', (p) => p.verifyMode],
  ['verify_mode_raw', 'text', (p) => p.verifyModeRaw],
  ['work_code', 'text', (p) => p.workCode],
  ['source', 'text', (p) => p.source],
  ['received_at', 'timestamptz', (p) => p.receivedAt],
  ['device_cursor', 'text', (p) => p.deviceCursor],
  ['flags', 'jsonb', (p) => JSON.stringify(p.flags)],
  ['raw', 'text', (p) => p.raw],
  ['first_seen_at', 'timestamptz', (_p, firstSeenAt) => firstSeenAt],
];
const PAYLOAD_PARAM = COLUMNS.length + 1;
const names = COLUMNS.map(([name]) => name).join(', ');

// One statement per batch: unnest the arrays, insert what is new, and put exactly the new rows into the
// accepted outbox. NOTE: the outbox insert reads the INSERT's RETURNING, so a punch gets an accepted event
// if and only if its row was inserted, in the same transaction; a redelivered batch inserts nothing twice.
const INSERT_SQL = `
  WITH input AS (
    SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${PAYLOAD_PARAM}::text[])
      AS t(${names}, payload)
  ), inserted AS (
    INSERT INTO ingest.punches (${names})
    SELECT ${names} FROM input
    ON CONFLICT ON CONSTRAINT punches_identity DO NOTHING
    RETURNING event_id
  )
  INSERT INTO ingest.accepted_outbox (event_id, payload, first_seen_at)
  SELECT input.event_id, input.payload, input.first_seen_at FROM inserted JOIN input USING (event_id)
  RETURNING event_id`;

export interface WriteResult {
  inserted: number;
  duplicates: number;
}

/**
 * Writes punches idempotently: exactly one row (and one accepted-outbox entry) per punch identity, however
 * often and by whichever route a punch arrives.
 */
export class PunchWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly partitions: PartitionManager,
  ) {}

  async write(punches: readonly PunchRawV1[]): Promise<WriteResult> {
    // Copies of one punch inside the batch collapse here; the earliest receivedAt is when it was first seen.
    const byEvent = new Map<string, { punch: PunchRawV1; firstSeenAt: string }>();
    for (const punch of punches) {
      const seen = byEvent.get(punch.eventId);
      if (!seen) byEvent.set(punch.eventId, { punch, firstSeenAt: punch.receivedAt });
      else if (Date.parse(punch.receivedAt) < Date.parse(seen.firstSeenAt)) seen.firstSeenAt = punch.receivedAt;
    }
    const unique = [...byEvent.values()];
    const params: unknown[][] = [...COLUMNS.map(() => []), []];
    for (const { punch, firstSeenAt } of unique) {
      COLUMNS.forEach(([, , read], i) => params[i]!.push(read(punch, firstSeenAt) ?? null));
      params[PAYLOAD_PARAM - 1]!.push(JSON.stringify(punch));
    }
    try {
      await this.partitions.ensureForLocalTimes(unique.map((u) => u.punch.localTime));
      const rows: { event_id: string }[] = await this.dataSource.query(INSERT_SQL, params);
      return { inserted: rows.length, duplicates: punches.length - rows.length };
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }
}

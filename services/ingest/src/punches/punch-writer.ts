import type { DataSource } from 'typeorm';
import type { PunchRawV1 } from '@attendance/contracts';
import { classifyPostgresError } from '@attendance/persistence';
import type { PartitionManager } from '../persistence/partition-manager';

// One statement per batch. The batch travels as ONE json parameter (a native JSON.stringify instead of
// escaping twenty-odd parameter arrays element by element, which profiling showed to dominate), is unpacked by
// Postgres, inserted where new, and exactly the new rows go into the accepted outbox.
// NOTE: the outbox insert reads the INSERT's RETURNING, so a punch gets an accepted event if and only if its
// row was inserted, in the same transaction; a redelivered batch inserts nothing twice.
const INSERT_SQL = `
  WITH input AS (
    SELECT e->'p' AS payload,
           e->'p'->>'tenantId' AS tenant_id,
           e->'p'->>'deviceSerial' AS device_serial,
           e->'p'->>'deviceUserId' AS device_user_id,
           (e->'p'->>'localTime')::timestamp AS local_time,
           (e->'p'->>'eventId')::uuid AS event_id,
           e->'p'->>'siteId' AS site_id,
           e->'p'->>'gatewayId' AS gateway_id,
           e->'p'->>'protocol' AS protocol,
           e->'p'->>'timeZone' AS time_zone,
           (e->'p'->>'punchedAt')::timestamptz AS punched_at,
           e->'p'->>'direction' AS direction,
           e->'p'->>'directionRaw' AS direction_raw,
           e->'p'->>'verifyMode' AS verify_mode,
           e->'p'->>'verifyModeRaw' AS verify_mode_raw,
           e->'p'->>'workCode' AS work_code,
           e->'p'->>'source' AS source,
           (e->'p'->>'receivedAt')::timestamptz AS received_at,
           e->'p'->>'deviceCursor' AS device_cursor,
           e->'p'->'flags' AS flags,
           e->'p'->>'raw' AS raw,
           (e->>'f')::timestamptz AS first_seen_at
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n)
    ORDER BY n
  ), inserted AS (
    INSERT INTO ingest.punches (tenant_id, device_serial, device_user_id, local_time, event_id, site_id, gateway_id,
      protocol, time_zone, punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, source,
      received_at, device_cursor, flags, raw, first_seen_at)
    SELECT tenant_id, device_serial, device_user_id, local_time, event_id, site_id, gateway_id, protocol, time_zone,
      punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, source, received_at,
      device_cursor, flags, raw, first_seen_at
    FROM input
    ON CONFLICT ON CONSTRAINT punches_identity DO NOTHING
    RETURNING event_id
  )
  INSERT INTO ingest.accepted_outbox (event_id, payload, first_seen_at)
  SELECT input.event_id, input.payload::text, input.first_seen_at FROM inserted JOIN input USING (event_id)
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
    const byEvent = new Map<string, { p: PunchRawV1; f: string }>();
    for (const punch of punches) {
      const seen = byEvent.get(punch.eventId);
      if (!seen) byEvent.set(punch.eventId, { p: punch, f: punch.receivedAt });
      else if (Date.parse(punch.receivedAt) < Date.parse(seen.f)) seen.f = punch.receivedAt;
    }
    // NOTE: rows go in identity-key order so that concurrent batches (several partitions, several replicas)
    // take their row locks in the same order; inserting overlapping keys in different orders deadlocks.
    const unique = [...byEvent.values()].sort((a, b) => compareIdentity(a.p, b.p));
    try {
      await this.partitions.ensureForLocalTimes(unique.map((u) => u.p.localTime));
      const rows: { event_id: string }[] = await this.dataSource.query(INSERT_SQL, [JSON.stringify(unique)]);
      return { inserted: rows.length, duplicates: punches.length - rows.length };
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }
}

function compareIdentity(a: PunchRawV1, b: PunchRawV1): number {
  return cmp(a.tenantId, b.tenantId) || cmp(a.deviceSerial, b.deviceSerial) || cmp(a.deviceUserId, b.deviceUserId) || cmp(a.localTime, b.localTime);
}

/** Byte-wise order; any total order works as long as every writer uses the same one. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

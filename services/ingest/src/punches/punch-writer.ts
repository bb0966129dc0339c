import type { DataSource } from 'typeorm';
import { acceptPunch, TOPICS, type PunchAcceptedV1, type PunchRawV1 } from '@attendance/contracts';
import { classifyPostgresError } from '@attendance/persistence';
import type { PartitionManager } from '../persistence/partition-manager';

/** A raw punch and the Kafka message it came in (its origin). */
export interface IncomingPunch {
  punch: PunchRawV1;
  partition: number;
  offset: string;
}

/** An accepted event ready to publish: key, JSON (built with acceptPunch, so contract-valid) and eventId. */
export interface AcceptedToPublish {
  key: string;
  json: string;
  id: string;
}

export interface WriteResult {
  /** Events to publish: rows inserted now, and rows whose own message is being redelivered. */
  accepted: AcceptedToPublish[];
  inserted: number;
  redelivered: number;
  duplicates: number;
}

// One statement per batch. The batch travels as ONE json parameter (a native JSON.stringify rather than
// escaping twenty-odd parameter arrays, which profiling showed to dominate) and Postgres unpacks it.
// Element: `{ a: <accepted event>, q: <origin partition>, o: <origin offset> }`.
//
// TRICKY: exactly-once for accepted events without an outbox. A row stores the raw-topic message that inserted
// it (origin). The statement returns (1) the rows it inserted and (2) rows that already existed *with the
// same origin as the incoming copy*: that message inserted the row in an earlier attempt that died before its
// offsets were committed, so its accepted event may not have been published, and is published again (same
// eventId). Every other existing row means the incoming copy is a duplicate, and nothing is published.
// The second part reads the snapshot from before this statement's INSERT, so it only sees earlier attempts.
const WRITE_SQL = `
  WITH input AS (
    SELECT e->'a'->>'tenantId' AS tenant_id,
           e->'a'->>'deviceSerial' AS device_serial,
           e->'a'->>'deviceUserId' AS device_user_id,
           (e->'a'->>'localTime')::timestamp AS local_time,
           (e->'a'->>'eventId')::uuid AS event_id,
           e->'a'->>'siteId' AS site_id,
           e->'a'->>'gatewayId' AS gateway_id,
           e->'a'->>'protocol' AS protocol,
           e->'a'->>'timeZone' AS time_zone,
           (e->'a'->>'punchedAt')::timestamptz AS punched_at,
           e->'a'->>'direction' AS direction,
           e->'a'->>'directionRaw' AS direction_raw,
           e->'a'->>'verifyMode' AS verify_mode,
           e->'a'->>'verifyModeRaw' AS verify_mode_raw,
           e->'a'->>'workCode' AS work_code,
           e->'a'->>'source' AS source,
           (e->'a'->>'receivedAt')::timestamptz AS received_at,
           e->'a'->>'deviceCursor' AS device_cursor,
           e->'a'->'flags' AS flags,
           e->'a'->>'raw' AS raw,
           (e->'a'->>'firstSeenAt')::timestamptz AS first_seen_at,
           (e->'a'->>'acceptedAt')::timestamptz AS accepted_at,
           (e->>'q')::integer AS origin_partition,
           (e->>'o')::bigint AS origin_offset
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n)
    ORDER BY n
  ), inserted AS (
    INSERT INTO ingest.punches (tenant_id, device_serial, device_user_id, local_time, event_id, site_id, gateway_id,
      protocol, time_zone, punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, source,
      received_at, device_cursor, flags, raw, first_seen_at, accepted_at, origin_partition, origin_offset)
    SELECT * FROM input
    ON CONFLICT ON CONSTRAINT punches_identity DO NOTHING
    RETURNING event_id
  )
  SELECT event_id::text AS event_id, NULL::text AS accepted_at, NULL::text AS first_seen_at FROM inserted
  UNION ALL
  SELECT p.event_id::text,
         to_char(p.accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         to_char(p.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  FROM input i
  -- LATERAL ... LIMIT 1: one index lookup per row not inserted now, by event_id (unique, single-column index)
  -- and local_time (partition pruning). EXPLAIN showed that without LIMIT the planner flattens this into a hash
  -- join over sequential scans of every partition; LIMIT 1 keeps it a parameterised lookup.
  CROSS JOIN LATERAL (
    SELECT event_id, accepted_at, first_seen_at FROM ingest.punches p
    WHERE p.event_id = i.event_id AND p.local_time = i.local_time
      AND p.origin_partition = i.origin_partition AND p.origin_offset = i.origin_offset
    LIMIT 1
  ) p
  WHERE i.event_id NOT IN (SELECT event_id FROM inserted)`;

/**
 * Writes punches idempotently (exactly one row per punch identity, however often and by whichever route a
 * punch arrives) and says which accepted events the caller must publish before committing its offsets.
 */
export class PunchWriter {
  constructor(
    private readonly dataSource: DataSource,
    private readonly partitions: PartitionManager,
  ) {}

  async write(incoming: readonly IncomingPunch[]): Promise<WriteResult> {
    // Copies of one punch inside the batch collapse onto the first (lowest offset), which becomes the origin;
    // the earliest receivedAt of the copies is when it was first seen.
    const byEvent = new Map<string, { first: IncomingPunch; firstSeenAt: string }>();
    for (const item of incoming) {
      const seen = byEvent.get(item.punch.eventId);
      if (!seen) byEvent.set(item.punch.eventId, { first: item, firstSeenAt: item.punch.receivedAt });
      else if (Date.parse(item.punch.receivedAt) < Date.parse(seen.firstSeenAt)) seen.firstSeenAt = item.punch.receivedAt;
    }
    // NOTE: rows go in identity-key order so that concurrent batches (several partitions, several replicas)
    // take their row locks in the same order; inserting overlapping keys in different orders deadlocks.
    const unique = [...byEvent.values()].sort((a, b) => compareIdentity(a.first.punch, b.first.punch));
    const acceptedAt = new Date().toISOString();
    const events = new Map<string, { event: PunchAcceptedV1; json: string }>();
    // NOTE: each accepted event is serialised once; the same JSON text goes into the statement's parameter
    // (spliced into the array below) and, for the rows that are new, to Kafka as the accepted event's value.
    const elements: string[] = [];
    for (const { first, firstSeenAt } of unique) {
      const event = acceptPunch(first.punch, { acceptedAt, firstSeenAt });
      const json = JSON.stringify(event);
      events.set(event.eventId, { event, json });
      elements.push(`{"a":${json},"q":${first.partition},"o":${JSON.stringify(first.offset)}}`);
    }
    let rows: { event_id: string; accepted_at: string | null; first_seen_at: string | null }[];
    try {
      await this.partitions.ensureForLocalTimes(unique.map((u) => u.first.punch.localTime));
      rows = await this.dataSource.query(WRITE_SQL, [`[${elements.join(',')}]`]);
    } catch (error) {
      throw classifyPostgresError(error);
    }
    let redelivered = 0;
    const accepted = rows.map((row): AcceptedToPublish => {
      let { event, json } = events.get(row.event_id)!;
      if (row.accepted_at !== null && row.first_seen_at !== null) {
        // Re-publish exactly what the first attempt would have sent.
        redelivered++;
        event = acceptPunch(event, { acceptedAt: row.accepted_at, firstSeenAt: row.first_seen_at });
        json = JSON.stringify(event);
      }
      return { key: TOPICS.punchAccepted.key(event), json, id: event.eventId };
    });
    return { accepted, inserted: rows.length - redelivered, redelivered, duplicates: incoming.length - rows.length };
  }
}

function compareIdentity(a: PunchRawV1, b: PunchRawV1): number {
  return cmp(a.tenantId, b.tenantId) || cmp(a.deviceSerial, b.deviceSerial) || cmp(a.deviceUserId, b.deviceUserId) || cmp(a.localTime, b.localTime);
}

/** Byte-wise order; any total order works as long as every writer uses the same one. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

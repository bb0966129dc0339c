import type { DataSource } from 'typeorm';
import { InstantSchema, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { classifyPostgresError } from '@attendance/persistence';
import type { PartitionManager } from '../persistence/partition-manager';
import { acceptedEventJson } from './accepted-event-json';

/** A raw punch and the Kafka message it came in (its origin). */
export interface IncomingPunch {
  punch: PunchRawV1;
  partition: number;
  offset: string;
}

/** An accepted event ready to publish: key, JSON (that of acceptPunch, so contract-valid) and eventId. */
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

// One statement per batch. The rows travel as ONE jsonb parameter, the array of the accepted events (their
// JSON text is built once and is also what goes to Kafka), beside two array literals for the origins; profiling
// showed that escaping twenty-odd parameter arrays per row in JavaScript costs more than Postgres's jsonb parse.
// ROWS FROM zips the three by position. Each field is read straight off the element (`e->>'x'`): reading it
// off a nested object (`e->'a'->>'x'`) copied that object once per field, ~3 µs per row of Postgres CPU.
//
// TRICKY: exactly-once for accepted events without an outbox. A row stores the raw-topic message that inserted
// it (origin). The statement returns (1) the rows it inserted and (2) rows that already existed *with the
// same origin as the incoming copy*: that message inserted the row in an earlier attempt that died before its
// offsets were committed, so its accepted event may not have been published, and is published again (same
// eventId). Every other existing row means the incoming copy is a duplicate, and nothing is published.
// Both come from ON CONFLICT: DO UPDATE ... WHERE <same origin> touches (and returns) only the rows of an
// earlier attempt of the same message; for any other copy the WHERE fails and the row is neither changed nor
// returned, exactly as DO NOTHING. The update writes the origin the row already has (a no-op in content).
// This replaced a second lookup of every conflicting row by event_id (measured: Postgres 25 → 22 µs per
// message, batches of 2,000 with 20% duplicates; the raw INSERT baseline is ~18).
// A returned row's accepted_at is this batch's ($4) when the statement inserted it; anything else means an
// earlier attempt stored it, and its stored accepted_at and first_seen_at are what that attempt published.
// PunchWriter keeps $4 unique per batch within the process (see nextAcceptedAt).
const WRITE_SQL = `
  INSERT INTO ingest.punches AS p (tenant_id, device_serial, device_user_id, local_time, event_id, site_id, gateway_id,
    protocol, time_zone, punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, source,
    received_at, device_cursor, flags, raw, first_seen_at, accepted_at, origin_partition, origin_offset)
  SELECT e->>'tenantId', e->>'deviceSerial', e->>'deviceUserId', (e->>'localTime')::timestamp, (e->>'eventId')::uuid,
         e->>'siteId', e->>'gatewayId', e->>'protocol', e->>'timeZone', (e->>'punchedAt')::timestamptz,
         e->>'direction', e->>'directionRaw', e->>'verifyMode', e->>'verifyModeRaw', e->>'workCode', e->>'source',
         (e->>'receivedAt')::timestamptz, e->>'deviceCursor', e->'flags', e->>'raw', (e->>'firstSeenAt')::timestamptz,
         (e->>'acceptedAt')::timestamptz, q, o
  FROM ROWS FROM (jsonb_array_elements($1::jsonb), unnest($2::int4[]), unnest($3::int8[])) WITH ORDINALITY AS t(e, q, o, n)
  -- NOTE: in the order given (identity-key order, see write()), so that concurrent batches lock rows in one order.
  ORDER BY n
  ON CONFLICT ON CONSTRAINT punches_identity DO UPDATE SET origin_offset = EXCLUDED.origin_offset
    WHERE p.origin_partition = EXCLUDED.origin_partition AND p.origin_offset = EXCLUDED.origin_offset
  RETURNING p.event_id::text AS event_id,
    CASE WHEN p.accepted_at <> $4::timestamptz THEN to_char(p.accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS accepted_at,
    CASE WHEN p.accepted_at <> $4::timestamptz THEN to_char(p.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS first_seen_at`;

/**
 * Writes punches idempotently (exactly one row per punch identity, however often and by whichever route a
 * punch arrives) and says which accepted events the caller must publish before committing its offsets.
 */
export class PunchWriter {
  private lastAcceptedMs = 0;

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
    // Validated once per batch; acceptedEventJson relies on it (and on firstSeenAt being a validated receivedAt).
    const acceptedAt = InstantSchema.parse(this.nextAcceptedAt());
    const events = new Map<string, { punch: PunchRawV1; json: string }>();
    // NOTE: each accepted event is serialised once; the same JSON text goes into the statement's parameter
    // and, for the rows that are new, to Kafka as the accepted event's value.
    const elements = new Array<string>(unique.length);
    const originPartitions = new Array<number>(unique.length);
    const originOffsets = new Array<string>(unique.length);
    for (let i = 0; i < unique.length; i++) {
      const { first, firstSeenAt } = unique[i]!;
      const json = acceptedEventJson(first.punch, acceptedAt, firstSeenAt);
      events.set(first.punch.eventId, { punch: first.punch, json });
      elements[i] = json;
      originPartitions[i] = first.partition;
      originOffsets[i] = first.offset;
    }
    let rows: { event_id: string; accepted_at: string | null; first_seen_at: string | null }[];
    try {
      await this.partitions.ensureForLocalTimes(unique.map((u) => u.first.punch.localTime));
      rows = await this.dataSource.query(WRITE_SQL, [
        `[${elements.join(',')}]`,
        // Integers only (partitions, and offsets as kafkajs gives them: decimal strings), so no quoting needed.
        `{${originPartitions.join(',')}}`,
        `{${originOffsets.join(',')}}`,
        acceptedAt,
      ]);
    } catch (error) {
      throw classifyPostgresError(error);
    }
    let redelivered = 0;
    const accepted = rows.map((row): AcceptedToPublish => {
      const event = events.get(row.event_id)!;
      const { punch } = event;
      let { json } = event;
      if (row.accepted_at !== null && row.first_seen_at !== null) {
        // Re-publish exactly what the first attempt would have sent.
        redelivered++;
        json = acceptedEventJson(punch, InstantSchema.parse(row.accepted_at), InstantSchema.parse(row.first_seen_at));
      }
      // The accepted topic keys a punch as the raw one does (tenant:device; accepted-event-json.spec.ts checks).
      return { key: TOPICS.punchRaw.key(punch), json, id: punch.eventId };
    });
    return { accepted, inserted: rows.length - redelivered, redelivered, duplicates: incoming.length - rows.length };
  }

  /**
   * This batch's acceptedAt: now, but always later than the previous batch's of this process. The statement
   * tells the rows it inserted from rows of an earlier attempt by `accepted_at = acceptedAt`, so no earlier
   * attempt of this process may share it (a retry after a failed publish can follow within the millisecond).
   */
  private nextAcceptedAt(): string {
    this.lastAcceptedMs = Math.max(Date.now(), this.lastAcceptedMs + 1);
    return new Date(this.lastAcceptedMs).toISOString();
  }
}

function compareIdentity(a: PunchRawV1, b: PunchRawV1): number {
  return cmp(a.tenantId, b.tenantId) || cmp(a.deviceSerial, b.deviceSerial) || cmp(a.deviceUserId, b.deviceUserId) || cmp(a.localTime, b.localTime);
}

/** Byte-wise order; any total order works as long as every writer uses the same one. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

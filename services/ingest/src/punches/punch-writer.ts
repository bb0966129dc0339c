import type { DataSource } from 'typeorm';
import { InstantSchema, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { binaryTextArray, classifyPostgresError } from '@attendance/persistence';
import type { PartitionManager } from '../persistence/partition-manager';
import { acceptedEventJson } from './accepted-event-json';

/** A raw punch and the Kafka message it came in (its origin). */
export interface IncomingPunch {
  punch: PunchRawV1;
  /** The punch's JSON text as received, if parsing it gives exactly `punch` (see acceptedEventJson). */
  json?: string | null;
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

// One statement per batch. The rows travel column by column, each column ONE `text[]` parameter in Postgres's
// binary array format (binaryTextArray: a length and the UTF-8 bytes per value), zipped back into rows by
// ROWS FROM ... unnest in the order given. Non-text columns are cast from text in SQL, by the same input
// functions a literal would use. Measured on the bench machine, per row of Postgres CPU just to get the values
// out of the parameter: a jsonb array of the events ~14-19 µs (jsonb parse, then a key lookup per field), binary
// text arrays a few µs; on the client a binary array is ~50 ns per ASCII value, where node-postgres's quoted
// array literals cost several times that.
//
// TRICKY: exactly-once for accepted events without an outbox. A row stores the raw-topic message that inserted
// it (origin). The statement returns (1) the rows it inserted and (2) rows that already existed *with the
// same origin as the incoming copy*: that message inserted the row in an earlier attempt that died before its
// offsets were committed, so its accepted event may not have been published, and is published again (same
// eventId). Every other existing row means the incoming copy is a duplicate, and nothing is published.
// Both come from ON CONFLICT: DO UPDATE ... WHERE <same origin> touches (and returns) only the rows of an
// earlier attempt of the same message; for any other copy the WHERE fails and the row is neither changed nor
// returned, exactly as DO NOTHING. The update writes the origin the row already has (a no-op in content).
// This replaced a second lookup of every conflicting row by event_id.
// A returned row's accepted_at is this batch's ($24) when the statement inserted it; anything else means an
// earlier attempt stored it, and its stored accepted_at and first_seen_at are what that attempt published.
// PunchWriter keeps $24 unique per batch within the process (see nextAcceptedAt).
/** The text columns of a row, in parameter order ($1..$21), and how each is read off the punch. */
const TEXT_COLUMNS: readonly { column: string; cast?: string; value: (punch: PunchRawV1, firstSeenAt: string) => string | null }[] = [
  { column: 'tenant_id', value: (p) => p.tenantId },
  { column: 'device_serial', value: (p) => p.deviceSerial },
  { column: 'device_user_id', value: (p) => p.deviceUserId },
  { column: 'local_time', cast: 'timestamp', value: (p) => p.localTime },
  { column: 'event_id', cast: 'uuid', value: (p) => p.eventId },
  { column: 'site_id', value: (p) => p.siteId },
  { column: 'gateway_id', value: (p) => p.gatewayId },
  { column: 'protocol', value: (p) => p.protocol },
  { column: 'time_zone', value: (p) => p.timeZone },
  { column: 'punched_at', cast: 'timestamptz', value: (p) => p.punchedAt },
  { column: 'direction', value: (p) => p.direction },
  { column: 'direction_raw', value: (p) => p.directionRaw },
  { column: 'verify_mode', value: (p) => p.verifyMode },
  { column: 'verify_mode_raw', value: (p) => p.verifyModeRaw },
  { column: 'work_code', value: (p) => p.workCode },
  { column: 'source', value: (p) => p.source },
  { column: 'received_at', cast: 'timestamptz', value: (p) => p.receivedAt },
  { column: 'device_cursor', value: (p) => p.deviceCursor },
  { column: 'flags', cast: 'jsonb', value: (p) => JSON.stringify(p.flags) },
  { column: 'raw', value: (p) => p.raw },
  { column: 'first_seen_at', cast: 'timestamptz', value: (_p, firstSeenAt) => firstSeenAt },
];
const ORIGIN_PARTITIONS = `$${TEXT_COLUMNS.length + 1}`;
const ORIGIN_OFFSETS = `$${TEXT_COLUMNS.length + 2}`;
const ACCEPTED_AT = `$${TEXT_COLUMNS.length + 3}::timestamptz`;
const WRITE_SQL = `
  INSERT INTO ingest.punches AS p (${TEXT_COLUMNS.map((c) => c.column).join(', ')}, accepted_at, origin_partition, origin_offset)
  SELECT ${TEXT_COLUMNS.map((c) => (c.cast ? `${c.column}::${c.cast}` : c.column)).join(', ')}, ${ACCEPTED_AT}, origin_partition, origin_offset
  FROM ROWS FROM (${TEXT_COLUMNS.map((_, i) => `unnest($${i + 1}::text[])`).join(', ')}, unnest(${ORIGIN_PARTITIONS}::int4[]), unnest(${ORIGIN_OFFSETS}::int8[]))
    WITH ORDINALITY AS t(${TEXT_COLUMNS.map((c) => c.column).join(', ')}, origin_partition, origin_offset, n)
  -- NOTE: in the order given (identity-key order, see write()), so that concurrent batches lock rows in one order.
  ORDER BY n
  ON CONFLICT ON CONSTRAINT punches_identity DO UPDATE SET origin_offset = EXCLUDED.origin_offset
    WHERE p.origin_partition = EXCLUDED.origin_partition AND p.origin_offset = EXCLUDED.origin_offset
  RETURNING p.event_id::text AS event_id,
    CASE WHEN p.accepted_at <> ${ACCEPTED_AT} THEN to_char(p.accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS accepted_at,
    CASE WHEN p.accepted_at <> ${ACCEPTED_AT} THEN to_char(p.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END AS first_seen_at`;

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
    const originPartitions = new Array<number>(unique.length);
    const originOffsets = new Array<string>(unique.length);
    for (let i = 0; i < unique.length; i++) {
      originPartitions[i] = unique[i]!.first.partition;
      originOffsets[i] = unique[i]!.first.offset;
    }
    let rows: { event_id: string; accepted_at: string | null; first_seen_at: string | null }[];
    try {
      const columns = TEXT_COLUMNS.map(({ value }) => binaryTextArray(unique.map((u) => value(u.first.punch, u.firstSeenAt))));
      await this.partitions.ensureForLocalTimes(unique.map((u) => u.first.punch.localTime));
      rows = await this.dataSource.query(WRITE_SQL, [
        ...columns,
        // Integers only (partitions, and offsets as kafkajs gives them: decimal strings), so no quoting needed.
        `{${originPartitions.join(',')}}`,
        `{${originOffsets.join(',')}}`,
        acceptedAt,
      ]);
    } catch (error) {
      throw classifyPostgresError(error);
    }
    let redelivered = 0;
    // NOTE: the accepted events are serialised only now, for the rows that are to be published (duplicates,
    // 20% in the bench, never are).
    const accepted = rows.map((row): AcceptedToPublish => {
      const { first, firstSeenAt } = byEvent.get(row.event_id)!;
      const { punch } = first;
      let json: string;
      if (row.accepted_at !== null && row.first_seen_at !== null) {
        // Re-publish exactly what the first attempt would have sent.
        redelivered++;
        json = acceptedEventJson(punch, InstantSchema.parse(row.accepted_at), InstantSchema.parse(row.first_seen_at), first.json);
      } else {
        json = acceptedEventJson(punch, acceptedAt, firstSeenAt, first.json);
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

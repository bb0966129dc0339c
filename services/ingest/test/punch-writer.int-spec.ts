import type { DataSource } from 'typeorm';
import { PunchAcceptedV1Schema } from '@attendance/contracts';
import { runMigrationsLocked } from '@attendance/persistence';
import { aRawPunch, createIsolatedDatabase, rawPunchSeries, uniqueSuffix, type IsolatedDatabase } from '@attendance/testing';
import { createIngestDataSource, INGEST_SCHEMA } from '../src/persistence/ingest-data-source';
import { PartitionManager } from '../src/persistence/partition-manager';
import { PunchWriter, type IncomingPunch } from '../src/punches/punch-writer';

/**
 * PunchWriter's one statement against real Postgres: which rows it says to publish (new rows, and rows whose
 * own message is redelivered) and which it counts as duplicates (every other copy), across batches.
 */
describe('PunchWriter on real Postgres', () => {
  let database: IsolatedDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createIsolatedDatabase('ingest_writer');
    dataSource = createIngestDataSource(database.url, 4);
    await dataSource.initialize();
    await runMigrationsLocked(dataSource, INGEST_SCHEMA);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  const newWriter = () => new PunchWriter(dataSource, new PartitionManager(dataSource));
  const at = (partition: number, firstOffset: number, punches: ReturnType<typeof aRawPunch>[]): IncomingPunch[] =>
    punches.map((punch, i) => ({ punch, partition, offset: String(firstOffset + i) }));
  const storedRows = async (tenantId: string) =>
    (
      await dataSource.query(
        `SELECT event_id::text AS "eventId", origin_partition AS partition, origin_offset::text AS "offset",
                to_char(accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "acceptedAt",
                to_char(first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "firstSeenAt"
         FROM ingest.punches WHERE tenant_id = $1 ORDER BY event_id`,
        [tenantId],
      )
    ) as { eventId: string; partition: number; offset: string; acceptedAt: string; firstSeenAt: string }[];

  it('publishes each new row once, counts other copies as duplicates, and re-publishes a redelivered message exactly as stored', async () => {
    const tenantId = `writer-${uniqueSuffix()}`;
    const punches = rawPunchSeries({ tenantId, deviceSerial: 'DEV-W', receivedAt: '2024-05-01T09:00:00.000Z' }, 40);
    const writer = newWriter();

    // First attempt: 40 new punches, plus an in-batch copy of the first (a later offset, an earlier receivedAt).
    const earlierCopy = { ...punches[0]!, receivedAt: '2024-05-01T08:59:00.000Z' };
    const first = await writer.write([...at(0, 100, punches), { punch: earlierCopy, partition: 0, offset: '140' }]);
    expect(first).toMatchObject({ inserted: 40, redelivered: 0, duplicates: 1 });
    expect(first.accepted.map((a) => a.id).sort()).toEqual(punches.map((p) => p.eventId).sort());
    const stored = await storedRows(tenantId);
    expect(stored).toHaveLength(40);
    const firstPublished = new Map(first.accepted.map((a) => [a.id, JSON.parse(a.json) as Record<string, unknown>]));
    for (const row of stored) {
      const event = PunchAcceptedV1Schema.parse(firstPublished.get(row.eventId));
      // What goes to Kafka is what is stored.
      expect({ acceptedAt: event.acceptedAt, firstSeenAt: event.firstSeenAt }).toEqual({ acceptedAt: row.acceptedAt, firstSeenAt: row.firstSeenAt });
      expect(row.partition).toBe(0);
    }
    expect(firstPublished.get(punches[0]!.eventId)!.firstSeenAt).toBe('2024-05-01T08:59:00.000Z');
    expect(stored.find((r) => r.eventId === punches[0]!.eventId)!.offset).toBe('100');

    // The same messages again (a crash before the offset commit, or a rewind after a failed publish), sliced
    // differently and by a fresh writer (a restarted process): every row is its own origin, so every event is
    // published again, byte for byte as the first attempt published it, and nothing is inserted.
    const again = await newWriter().write(at(0, 110, punches.slice(10)));
    expect(again).toMatchObject({ inserted: 0, redelivered: 30, duplicates: 0 });
    for (const item of again.accepted) expect(item.json).toBe(JSON.stringify(firstPublished.get(item.id)));

    // Other copies of stored punches (another partition, or the same partition at other offsets), mixed with
    // new punches: only the new ones are published; the copies change nothing.
    const fresh = rawPunchSeries({ tenantId, deviceSerial: 'DEV-X' }, 5);
    const mixed = await writer.write([...at(1, 500, punches.slice(0, 20)), ...at(0, 900, punches.slice(20, 25)), ...at(1, 520, fresh)]);
    expect(mixed).toMatchObject({ inserted: 5, redelivered: 0, duplicates: 25 });
    expect(mixed.accepted.map((a) => a.id).sort()).toEqual(fresh.map((p) => p.eventId).sort());
    const after = await storedRows(tenantId);
    expect(after).toHaveLength(45);
    for (const row of after.filter((r) => firstPublished.has(r.eventId))) {
      expect(row).toEqual(stored.find((s) => s.eventId === row.eventId));
    }
  });

  it('gives every batch of a writer its own acceptedAt, so a retry within the same millisecond still counts as a redelivery', async () => {
    const tenantId = `writer-ms-${uniqueSuffix()}`;
    const punches = rawPunchSeries({ tenantId, deviceSerial: 'DEV-M' }, 10);
    const writer = newWriter();
    const first = await writer.write(at(2, 0, punches));
    const retry = await writer.write(at(2, 0, punches));
    expect(first).toMatchObject({ inserted: 10, redelivered: 0, duplicates: 0 });
    expect(retry).toMatchObject({ inserted: 0, redelivered: 10, duplicates: 0 });
    expect(retry.accepted.map((a) => a.json).sort()).toEqual(first.accepted.map((a) => a.json).sort());
  });
  it('stores every field of the punch exactly as it arrived (quotes, braces, backslashes, multi-byte text, NULLs, flags, instants with microseconds)', async () => {
    const tenantId = `writer-fields-${uniqueSuffix()}`;
    const base = aRawPunch({ tenantId, deviceSerial: 'DEV"{q,}\\\\', deviceUserId: '0012', localTime: '2024-10-27T02:30:00', timeZone: 'Europe/Berlin' });
    const punch = {
      ...base,
      directionRaw: null,
      verifyModeRaw: null,
      workCode: '7',
      deviceCursor: '9007199254740993',
      receivedAt: '2024-10-27T01:31:02.123456Z',
      flags: { clockSuspect: true, dstAmbiguous: true, dstGap: false },
      raw: 'Zoë 👍\t{x,"y"}\tNULL',
    };
    const result = await newWriter().write(at(3, 7, [punch]));
    expect(result).toMatchObject({ inserted: 1, duplicates: 0 });
    const [row] = (await dataSource.query(
      `SELECT tenant_id, device_serial, device_user_id, local_time::text AS local_time, event_id::text AS event_id, site_id, gateway_id,
              protocol, time_zone, punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, source,
              to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at, device_cursor, flags, raw,
              to_char(first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_seen_at, origin_partition, origin_offset::text AS origin_offset
       FROM ingest.punches WHERE tenant_id = $1`,
      [tenantId],
    )) as Record<string, unknown>[];
    expect(row).toEqual({
      tenant_id: tenantId,
      device_serial: 'DEV"{q,}\\\\',
      device_user_id: '0012',
      local_time: '2024-10-27 02:30:00',
      event_id: punch.eventId,
      site_id: punch.siteId,
      gateway_id: punch.gatewayId,
      protocol: punch.protocol,
      time_zone: 'Europe/Berlin',
      punched_at: new Date(punch.punchedAt),
      direction: punch.direction,
      direction_raw: null,
      verify_mode: punch.verifyMode,
      verify_mode_raw: null,
      work_code: '7',
      source: punch.source,
      received_at: '2024-10-27T01:31:02.123456Z',
      device_cursor: '9007199254740993',
      flags: { clockSuspect: true, dstAmbiguous: true, dstGap: false },
      raw: punch.raw,
      first_seen_at: '2024-10-27T01:31:02.123456Z',
      origin_partition: 3,
      origin_offset: '7',
    });
    expect(PunchAcceptedV1Schema.parse(JSON.parse(result.accepted[0]!.json))).toMatchObject({ raw: punch.raw, deviceSerial: punch.deviceSerial, firstSeenAt: punch.receivedAt });
  });
});

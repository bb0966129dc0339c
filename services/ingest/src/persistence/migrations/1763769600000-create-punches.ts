import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Punches, one row per punch identity (DESIGN.md 3.2), partitioned by day of `local_time`.
 *
 * TRICKY: Postgres enforces uniqueness per partition only, so the unique key must contain the partition key.
 * The identity (tenant, device, user, local time) contains `local_time`, so partitioning by it keeps dedupe
 * exact: every copy of a punch maps to the same partition and collides there. `event_id` is a UUIDv5 of that
 * identity, hence also unique, but it cannot be the primary key on its own.
 *
 * Daily partitions are created on demand by PartitionManager (before each batch insert, cached) and ahead of
 * time by the maintenance loop; there is no DEFAULT partition, because attaching a new day to a table with a
 * default partition would have to scan and move that partition's rows.
 *
 * `origin_partition`/`origin_offset` name the raw-topic message that inserted the row. They let ingest publish
 * accepted events without an outbox table and still lose none (see PunchWriter): a redelivery of the very
 * message that inserted a row re-publishes its event; any other copy of the punch is a duplicate.
 */
export class CreatePunches1763769600000 implements MigrationInterface {
  name = 'CreatePunches1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest.punches (
        tenant_id       text        NOT NULL,
        device_serial   text        NOT NULL,
        device_user_id  text        NOT NULL,
        local_time      timestamp   NOT NULL,
        event_id        uuid        NOT NULL,
        site_id         text        NOT NULL,
        gateway_id      text        NOT NULL,
        protocol        text        NOT NULL,
        time_zone       text        NOT NULL,
        punched_at      timestamptz NOT NULL,
        direction       text        NOT NULL,
        direction_raw   text,
        verify_mode     text        NOT NULL,
        verify_mode_raw text,
        work_code       text,
        source          text        NOT NULL,
        received_at     timestamptz NOT NULL,
        device_cursor   text,
        flags           jsonb       NOT NULL,
        raw             text        NOT NULL,
        first_seen_at   timestamptz NOT NULL,
        accepted_at     timestamptz NOT NULL,
        origin_partition integer    NOT NULL,
        origin_offset   bigint      NOT NULL,
        CONSTRAINT punches_identity PRIMARY KEY (tenant_id, device_serial, device_user_id, local_time)
      ) PARTITION BY RANGE (local_time)`);
    // The queries integrators make: an employee over a time range, a device over a time range, a site's day.
    await q.query('CREATE INDEX punches_employee_time ON ingest.punches (tenant_id, device_user_id, punched_at)');
    await q.query('CREATE INDEX punches_device_time ON ingest.punches (tenant_id, device_serial, punched_at)');
    await q.query('CREATE INDEX punches_site_day ON ingest.punches (tenant_id, site_id, local_time)');
    await q.query('CREATE INDEX punches_event_id ON ingest.punches (event_id)');

  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ingest.punches');
  }
}

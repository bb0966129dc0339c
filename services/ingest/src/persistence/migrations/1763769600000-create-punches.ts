import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per punch identity (DESIGN.md 3.2). `event_id` is the UUIDv5 of the identity, computed by
 * libs/contracts at the edge; the identity columns carry their own unique constraint as well, so the
 * guarantee holds even if an event id were ever derived differently.
 */
export class CreatePunches1763769600000 implements MigrationInterface {
  name = 'CreatePunches1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest.punches (
        event_id        uuid        PRIMARY KEY,
        tenant_id       text        NOT NULL,
        site_id         text        NOT NULL,
        gateway_id      text        NOT NULL,
        device_serial   text        NOT NULL,
        protocol        text        NOT NULL,
        device_user_id  text        NOT NULL,
        local_time      timestamp   NOT NULL,
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
        first_seen_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT punches_identity UNIQUE (tenant_id, device_serial, device_user_id, local_time)
      )`);
    await q.query('CREATE INDEX punches_tenant_employee_time ON ingest.punches (tenant_id, device_user_id, punched_at)');
    await q.query('CREATE INDEX punches_tenant_device_time ON ingest.punches (tenant_id, device_serial, punched_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ingest.punches');
  }
}

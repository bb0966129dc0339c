import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Mobile offline sync (DESIGN.md 6): the records, the queue of conflicts awaiting an admin, the audit of every
 * sync request (which is also the rate limiter's log), and the outbox of `attendance.mobile-record.v1`.
 *
 * A record's identity for duplicates is `(tenant, client_device_id, client_timestamp)`: a client that resends a
 * record it made offline hits the unique key instead of creating a second record.
 */
export class CreateMobileSync1764720000000 implements MigrationInterface {
  name = 'CreateMobileSync1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync.mobile_records (
        id               uuid        PRIMARY KEY,
        tenant_id        text        NOT NULL REFERENCES sync.tenants (id),
        employee_id      text        NOT NULL,
        site_id          text        NOT NULL,
        client_device_id text        NOT NULL,
        client_timestamp timestamptz NOT NULL,
        time_zone        text,
        direction        text        NOT NULL CHECK (direction IN ('in', 'out')),
        latitude         double precision,
        longitude        double precision,
        accuracy_meters  double precision,
        version          integer     NOT NULL CHECK (version >= 1),
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT mobile_records_client_identity UNIQUE (tenant_id, client_device_id, client_timestamp)
      )`);
    await q.query('CREATE INDEX mobile_records_employee ON sync.mobile_records (tenant_id, employee_id, client_timestamp)');
    await q.query(`
      CREATE TABLE sync.mobile_conflicts (
        id             uuid        PRIMARY KEY,
        tenant_id      text        NOT NULL,
        record_id      uuid        NOT NULL REFERENCES sync.mobile_records (id),
        employee_id    text        NOT NULL,
        reasons        text[]      NOT NULL,
        client_record  jsonb       NOT NULL,
        server_version integer     NOT NULL,
        status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'resolved')),
        kept           text        CHECK (kept IN ('server', 'client')),
        resolved_by    text,
        resolved_at    timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX mobile_conflicts_pending ON sync.mobile_conflicts (tenant_id, created_at) WHERE status = \'pending\'');
    await q.query(`
      CREATE TABLE sync.mobile_sync_audit (
        id           uuid        PRIMARY KEY,
        tenant_id    text        NOT NULL,
        employee_id  text        NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        outcome      text        NOT NULL CHECK (outcome IN ('accepted', 'rate-limited', 'rejected', 'failed')),
        record_count integer     NOT NULL DEFAULT 0,
        summary      jsonb,
        results      jsonb,
        error        text,
        client_ip    text,
        user_agent   text,
        finished_at  timestamptz
      )`);
    // The rate limiter counts a user's accepted requests in the window through this index.
    await q.query('CREATE INDEX mobile_sync_audit_user ON sync.mobile_sync_audit (tenant_id, employee_id, requested_at)');
    await q.query(`
      CREATE TABLE sync.mobile_record_outbox (
        seq        bigserial   PRIMARY KEY,
        event_id   uuid        NOT NULL,
        key        text        NOT NULL,
        value_json text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sync.mobile_record_outbox');
    await q.query('DROP TABLE sync.mobile_sync_audit');
    await q.query('DROP TABLE sync.mobile_conflicts');
    await q.query('DROP TABLE sync.mobile_records');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory of the edge: tenants, sites, gateways, devices, employees.
 *
 * Sites, devices and employees are reference data pulled by gateways (`GET /api/v1/sync/pull`). Each of their
 * rows carries `change_seq`, the tenant's change cursor at its last write, and is soft-deleted (`deleted_at`)
 * so that a deletion reaches the edge as a tombstone. `tenant_change_counters` hands out those cursors; see
 * ChangeCursor for why a locked counter row (not a sequence) makes pulls skip nothing.
 *
 * Gateways keep only the SHA-256 of their bearer token: the token itself is shown once, at creation.
 */
export class CreateDirectory1764547200000 implements MigrationInterface {
  name = 'CreateDirectory1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync.tenants (
        id         text        PRIMARY KEY,
        name       text        NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE sync.tenant_change_counters (
        tenant_id text   PRIMARY KEY REFERENCES sync.tenants (id) ON DELETE CASCADE,
        last_seq  bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`
      CREATE TABLE sync.sites (
        tenant_id  text        NOT NULL REFERENCES sync.tenants (id),
        id         text        NOT NULL,
        name       text        NOT NULL,
        time_zone  text        NOT NULL,
        change_seq bigint      NOT NULL,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE sync.gateways (
        id           text        PRIMARY KEY,
        tenant_id    text        NOT NULL REFERENCES sync.tenants (id),
        site_id      text,
        name         text        NOT NULL,
        token_sha256 bytea       NOT NULL UNIQUE,
        revoked_at   timestamptz,
        last_pull_at timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (tenant_id, site_id) REFERENCES sync.sites (tenant_id, id)
      )`);
    await q.query('CREATE INDEX gateways_tenant ON sync.gateways (tenant_id)');
    await q.query(`
      CREATE TABLE sync.devices (
        tenant_id           text        NOT NULL REFERENCES sync.tenants (id),
        serial              text        NOT NULL,
        name                text,
        protocol            text        NOT NULL,
        site_id             text        NOT NULL,
        time_zone_override  text,
        expected_gateway_id text        REFERENCES sync.gateways (id),
        change_seq          bigint      NOT NULL,
        deleted_at          timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, serial),
        FOREIGN KEY (tenant_id, site_id) REFERENCES sync.sites (tenant_id, id)
      )`);
    await q.query(`
      CREATE TABLE sync.employees (
        tenant_id  text        NOT NULL REFERENCES sync.tenants (id),
        id         text        NOT NULL,
        code       text        NOT NULL,
        name       text        NOT NULL,
        status     text        NOT NULL CHECK (status IN ('active', 'inactive')),
        change_seq bigint      NOT NULL,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // A code is enrolled on devices, so it names one live employee; a deleted employee's code may be reused.
    await q.query('CREATE UNIQUE INDEX employees_live_code ON sync.employees (tenant_id, code) WHERE deleted_at IS NULL');
    // The pull reads each table in cursor order; a cursor value is used by one row of one table only.
    for (const table of ['sites', 'devices', 'employees']) {
      await q.query(`CREATE UNIQUE INDEX ${table}_changes ON sync.${table} (tenant_id, change_seq)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE sync.employees');
    await q.query('DROP TABLE sync.devices');
    await q.query('DROP TABLE sync.gateways');
    await q.query('DROP TABLE sync.sites');
    await q.query('DROP TABLE sync.tenant_change_counters');
    await q.query('DROP TABLE sync.tenants');
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation, completeness and leases (issue 5, second half).
 *
 * - `counted_punches` + `device_hour_counts`: per (tenant, device, UTC hour) counts of accepted punches. An
 *   accepted event can be delivered twice with the same eventId, so each event is counted through a unique
 *   insert of its id; the ids are only needed while a redelivery is plausible (minutes to hours: a crash
 *   between publish and offset commit), so rows older than SYNC_COUNTED_EVENT_RETENTION_HOURS are pruned.
 * - `gateway_device_contacts` + `contact_gaps`: from heartbeats, which gateway reaches which device, and the
 *   spells in which a device was out of contact (backfilled by the next reconciliation).
 * - `device_sync_state` + `site_completeness`: the per-device "reconciled up to" watermark (moves only over
 *   verified hours) and the last published site watermark (never moves backwards).
 * - `reconciliation_runs` + `run_commands`: every run (who or what started it, window, status, counts,
 *   duration, error) and the gateway commands it sent, completed by the command results.
 * - `device_leases`: one row per pull-mode device; the row is the lock, so two holders cannot exist, and the
 *   fencing token only grows (the row is never deleted).
 */
export class CreateReconciliation1764633600000 implements MigrationInterface {
  name = 'CreateReconciliation1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync.counted_punches (
        event_id      uuid        PRIMARY KEY,
        tenant_id     text        NOT NULL,
        device_serial text        NOT NULL,
        hour          timestamptz NOT NULL,
        counted_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX counted_punches_counted_at ON sync.counted_punches (counted_at)');
    await q.query(`
      CREATE TABLE sync.device_hour_counts (
        tenant_id     text        NOT NULL,
        device_serial text        NOT NULL,
        hour          timestamptz NOT NULL,
        count         integer     NOT NULL CHECK (count >= 0),
        PRIMARY KEY (tenant_id, device_serial, hour)
      )`);
    await q.query(`
      CREATE TABLE sync.gateway_device_contacts (
        tenant_id             text        NOT NULL,
        device_serial         text        NOT NULL,
        gateway_id            text        NOT NULL,
        site_id               text        NOT NULL,
        protocol              text        NOT NULL,
        reachable             boolean     NOT NULL,
        last_contact_at       timestamptz,
        unreachable_since     timestamptz,
        heartbeat_sent_at     timestamptz NOT NULL,
        heartbeat_interval_s  integer     NOT NULL,
        updated_at            timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, device_serial, gateway_id)
      )`);
    await q.query(`
      CREATE TABLE sync.contact_gaps (
        id            bigserial   PRIMARY KEY,
        tenant_id     text        NOT NULL,
        device_serial text        NOT NULL,
        gateway_id    text        NOT NULL,
        gap_from      timestamptz NOT NULL,
        gap_to        timestamptz NOT NULL,
        detected_at   timestamptz NOT NULL DEFAULT now(),
        run_id        uuid,
        CHECK (gap_from < gap_to)
      )`);
    await q.query('CREATE INDEX contact_gaps_pending ON sync.contact_gaps (tenant_id, device_serial) WHERE run_id IS NULL');
    await q.query(`
      CREATE TABLE sync.device_sync_state (
        tenant_id          text        NOT NULL,
        device_serial      text        NOT NULL,
        site_id            text        NOT NULL,
        protocol           text,
        activated_at       timestamptz NOT NULL,
        reconciled_up_to   timestamptz NOT NULL,
        last_reconciled_at timestamptz,
        last_scheduled_at  timestamptz,
        PRIMARY KEY (tenant_id, device_serial)
      )`);
    await q.query('CREATE INDEX device_sync_state_site ON sync.device_sync_state (tenant_id, site_id)');
    await q.query(`
      CREATE TABLE sync.site_completeness (
        tenant_id      text        NOT NULL,
        site_id        text        NOT NULL,
        complete_up_to timestamptz NOT NULL,
        published_at   timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, site_id)
      )`);
    await q.query(`
      CREATE TABLE sync.reconciliation_runs (
        id                 uuid        PRIMARY KEY,
        tenant_id          text        NOT NULL,
        site_id            text        NOT NULL,
        device_serial      text        NOT NULL,
        gateway_id         text        NOT NULL,
        trigger            text        NOT NULL CHECK (trigger IN ('schedule', 'operator')),
        requested_by       text,
        window_from        timestamptz NOT NULL,
        window_to          timestamptz NOT NULL,
        status             text        NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
        windows_verified   integer     NOT NULL DEFAULT 0,
        windows_mismatched integer     NOT NULL DEFAULT 0,
        found              integer     NOT NULL DEFAULT 0,
        new                integer     NOT NULL DEFAULT 0,
        quarantined        integer     NOT NULL DEFAULT 0,
        errors             jsonb       NOT NULL DEFAULT '[]',
        report             jsonb       NOT NULL DEFAULT '{}',
        started_at         timestamptz NOT NULL,
        finished_at        timestamptz,
        duration_ms        integer,
        error              text,
        CHECK (window_from < window_to)
      )`);
    await q.query('CREATE INDEX reconciliation_runs_device ON sync.reconciliation_runs (tenant_id, device_serial, started_at DESC)');
    // One scheduled run in flight per device: a slow gateway must not pile up runs tick after tick.
    await q.query(
      "CREATE UNIQUE INDEX reconciliation_runs_one_scheduled ON sync.reconciliation_runs (tenant_id, device_serial) WHERE status = 'running' AND trigger = 'schedule'",
    );
    await q.query(`
      CREATE TABLE sync.run_commands (
        command_id   uuid        PRIMARY KEY,
        run_id       uuid        NOT NULL REFERENCES sync.reconciliation_runs (id),
        type         text        NOT NULL,
        gateway_id   text        NOT NULL,
        reason       text,
        window_from  timestamptz NOT NULL,
        window_to    timestamptz NOT NULL,
        issued_at    timestamptz NOT NULL,
        deadline     timestamptz NOT NULL,
        outcome      text,
        result       jsonb,
        completed_at timestamptz
      )`);
    await q.query('CREATE INDEX run_commands_run ON sync.run_commands (run_id)');
    await q.query('CREATE INDEX run_commands_open ON sync.run_commands (deadline) WHERE outcome IS NULL');
    await q.query(`
      CREATE TABLE sync.device_leases (
        tenant_id              text        NOT NULL,
        device_serial          text        NOT NULL,
        site_id                text        NOT NULL,
        holder_gateway_id      text        NOT NULL,
        lease_id               uuid        NOT NULL,
        fencing_token          bigint      NOT NULL CHECK (fencing_token > 0),
        granted_at             timestamptz NOT NULL,
        renewed_at             timestamptz NOT NULL,
        expires_at             timestamptz NOT NULL,
        previous_gateway_id    text,
        previous_lease_id      uuid,
        previous_fencing_token bigint,
        PRIMARY KEY (tenant_id, device_serial)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'device_leases',
      'run_commands',
      'reconciliation_runs',
      'site_completeness',
      'device_sync_state',
      'contact_gaps',
      'gateway_device_contacts',
      'device_hour_counts',
      'counted_punches',
    ]) {
      await q.query(`DROP TABLE sync.${table}`);
    }
  }
}

import type { SqlExecutor } from '../persistence/sql-executor';
import type { TimeWindow } from './hour-windows';

export type RunTrigger = 'schedule' | 'operator';
export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

export interface RunRow {
  id: string;
  tenant_id: string;
  site_id: string;
  device_serial: string;
  gateway_id: string;
  trigger: RunTrigger;
  requested_by: string | null;
  window_from: Date;
  window_to: Date;
  status: RunStatus;
  windows_verified: number;
  windows_mismatched: number;
  found: number;
  new: number;
  quarantined: number;
  errors: RunError[];
  report: Record<string, unknown>;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  error: string | null;
}

export interface RunError {
  commandId: string | null;
  type: string;
  outcome: string;
  class: string;
  message: string;
}

export interface CommandRow {
  command_id: string;
  run_id: string;
  type: string;
  gateway_id: string;
  reason: string | null;
  window_from: Date;
  window_to: Date;
  issued_at: Date;
  deadline: Date;
  outcome: string | null;
  completed_at: Date | null;
}

export interface NewCommand {
  commandId: string;
  type: string;
  gatewayId: string;
  reason: string | null;
  window: TimeWindow;
  issuedAt: string;
  deadline: string;
}

/** Reconciliation runs and the commands they sent: the audit trail operators read. */
export class RunsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** Inserts a running run; false when a scheduled run of the device is already in flight. */
  async create(run: {
    id: string;
    tenantId: string;
    siteId: string;
    deviceSerial: string;
    gatewayId: string;
    trigger: RunTrigger;
    requestedBy: string | null;
    window: TimeWindow;
    startedAt: Date;
  }): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO sync.reconciliation_runs (id, tenant_id, site_id, device_serial, gateway_id, trigger, requested_by, window_from, window_to, status, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'running', $10)
       ON CONFLICT (tenant_id, device_serial) WHERE status = 'running' AND trigger = 'schedule' DO NOTHING
       RETURNING id`,
      [run.id, run.tenantId, run.siteId, run.deviceSerial, run.gatewayId, run.trigger, run.requestedBy, run.window.from.toISOString(), run.window.to.toISOString(), run.startedAt.toISOString()],
    );
    return rows.length > 0;
  }

  async addCommands(runId: string, commands: readonly NewCommand[]): Promise<void> {
    if (commands.length === 0) return;
    await this.sql.query(
      `INSERT INTO sync.run_commands (command_id, run_id, type, gateway_id, reason, window_from, window_to, issued_at, deadline)
       SELECT id, $1, type, gw, reason, f, t, i, d
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
         AS x(id, type, gw, reason, f, t, i, d)`,
      [
        runId,
        commands.map((c) => c.commandId),
        commands.map((c) => c.type),
        commands.map((c) => c.gatewayId),
        commands.map((c) => c.reason),
        commands.map((c) => c.window.from.toISOString()),
        commands.map((c) => c.window.to.toISOString()),
        commands.map((c) => c.issuedAt),
        commands.map((c) => c.deadline),
      ],
    );
  }

  /** Records a command's outcome once; null when the command is unknown or already completed (a redelivery). */
  async completeCommand(commandId: string, gatewayId: string, outcome: string, result: unknown): Promise<CommandRow | null> {
    const rows = await this.sql.query<CommandRow>(
      `UPDATE sync.run_commands SET outcome = $3, result = $4, completed_at = now()
       WHERE command_id = $1 AND gateway_id = $2 AND outcome IS NULL RETURNING *`,
      [commandId, gatewayId, outcome, result === null ? null : JSON.stringify(result)],
    );
    return rows[0] ?? null;
  }

  /** Which of these commands are ours and still open (results of other commands need no transaction). */
  async openAmong(commandIds: readonly string[]): Promise<Set<string>> {
    if (commandIds.length === 0) return new Set();
    const rows = await this.sql.query<{ command_id: string }>('SELECT command_id FROM sync.run_commands WHERE command_id = ANY($1::uuid[]) AND outcome IS NULL', [commandIds]);
    return new Set(rows.map((r) => r.command_id));
  }

  /** The run, locked for the rest of the transaction (results of one run are applied one at a time). */
  async lock(runId: string): Promise<RunRow | null> {
    const rows = await this.sql.query<RunRow>('SELECT * FROM sync.reconciliation_runs WHERE id = $1 FOR UPDATE', [runId]);
    return rows[0] ?? null;
  }

  async openCommands(runId: string): Promise<number> {
    const rows = await this.sql.query<{ n: string }>('SELECT count(*) AS n FROM sync.run_commands WHERE run_id = $1 AND outcome IS NULL', [runId]);
    return Number(rows[0]?.n ?? 0);
  }

  async addProgress(
    runId: string,
    delta: { verified?: number; mismatched?: number; found?: number; new?: number; quarantined?: number; error?: RunError; report?: Record<string, unknown> },
  ): Promise<void> {
    await this.sql.query(
      `UPDATE sync.reconciliation_runs SET
         windows_verified = windows_verified + $2, windows_mismatched = windows_mismatched + $3,
         found = found + $4, new = new + $5, quarantined = quarantined + $6,
         errors = CASE WHEN $7::jsonb IS NULL THEN errors ELSE errors || jsonb_build_array($7::jsonb) END,
         report = report || $8::jsonb
       WHERE id = $1`,
      [
        runId,
        delta.verified ?? 0,
        delta.mismatched ?? 0,
        delta.found ?? 0,
        delta.new ?? 0,
        delta.quarantined ?? 0,
        delta.error ? JSON.stringify(delta.error) : null,
        JSON.stringify(delta.report ?? {}),
      ],
    );
  }

  async finish(runId: string, status: Exclude<RunStatus, 'running'>, error: string | null): Promise<void> {
    await this.sql.query(
      `UPDATE sync.reconciliation_runs SET status = $2, error = $3, finished_at = now(),
         duration_ms = greatest(0, round(extract(epoch FROM now() - started_at) * 1000))::integer
       WHERE id = $1 AND status = 'running'`,
      [runId, status, error],
    );
  }

  async find(tenantId: string, runId: string): Promise<RunRow | null> {
    const rows = await this.sql.query<RunRow>('SELECT * FROM sync.reconciliation_runs WHERE tenant_id = $1 AND id = $2', [tenantId, runId]);
    return rows[0] ?? null;
  }

  async recentOfDevice(tenantId: string, deviceSerial: string, limit: number): Promise<RunRow[]> {
    return this.sql.query<RunRow>(
      'SELECT * FROM sync.reconciliation_runs WHERE tenant_id = $1 AND device_serial = $2 ORDER BY started_at DESC LIMIT $3',
      [tenantId, deviceSerial, limit],
    );
  }

  async commandsOf(runId: string): Promise<CommandRow[]> {
    return this.sql.query<CommandRow>('SELECT * FROM sync.run_commands WHERE run_id = $1 ORDER BY issued_at, window_from', [runId]);
  }

  /** Commands whose deadline passed `grace` ago without a result: the gateway never answered. */
  async overdueCommands(graceSeconds: number, limit = 500): Promise<CommandRow[]> {
    return this.sql.query<CommandRow>(
      `SELECT * FROM sync.run_commands WHERE outcome IS NULL AND deadline < now() - make_interval(secs => $1)
       ORDER BY deadline LIMIT $2`,
      [graceSeconds, limit],
    );
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  COMMAND_MAX_WINDOW_HOURS,
  VERIFY_COUNT_MAX_WINDOWS,
  type GatewayCommandResultV1,
  type GatewayCommandV1,
} from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { CompletenessService } from '../completeness/completeness.service';
import { WatermarksRepository } from '../completeness/watermarks.repository';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { GatewayCommands, type CommandTarget } from '../kafka/gateway-commands';
import type { SqlExecutor } from '../persistence/sql-executor';
import { SyncDatabase } from '../persistence/sync-database';
import { compareCounts } from './count-comparison';
import { DeviceContactsRepository } from './device-contacts.repository';
import { EdgeSyncMetrics } from './edge-sync-metrics';
import { floorToHour, HOUR_MS, hoursOf, mergeHours, scheduledWindow, splitWindow, type TimeWindow } from './hour-windows';
import { PunchCountsRepository } from './punch-counts.repository';
import { RunsRepository, type CommandRow, type NewCommand, type RunError, type RunRow } from './runs.repository';

/** Error class a gateway reports for a protocol without a device count (e.g. Hikvision has no VERIFY SUM). */
export const UNSUPPORTED_COMMAND = 'unsupported-command';

export type RepullOutcome = { runId: string } | { problem: 'unknown-device' | 'no-gateway' };

/**
 * Reconciliation runs: verify a device's own per-hour counts against the cloud's, backfill what differs or
 * where the device was out of contact, and advance its watermark over the verified hours. Operator re-pulls
 * are runs too (a backfill of the requested window with a found/new/errors report).
 *
 * Commands are published right after the transaction that records them commits, never before: a gateway can
 * answer within milliseconds, and its result must find the command's row. If the publish then fails, the rows
 * stay open and the run is closed as failed (no-result) at the deadline; nothing is ever sent unrecorded.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly db: SyncDatabase,
    private readonly commands: GatewayCommands,
    private readonly completeness: CompletenessService,
    private readonly metrics: EdgeSyncMetrics,
  ) {}

  /** Starts the scheduled run of one device; null when nothing is due, no gateway reaches it, or one is running. */
  async startScheduled(device: { tenantId: string; deviceSerial: string; siteId: string; reconciledUpTo: Date }, now = new Date()): Promise<string | null> {
    const settled = new Date(now.getTime() - this.config.SYNC_RECONCILE_SETTLE_SECONDS * 1000);
    const window = scheduledWindow(settled, device.reconciledUpTo, this.config.SYNC_RECONCILE_WINDOW_HOURS, VERIFY_COUNT_MAX_WINDOWS);
    if (!window) return null;
    const started = await this.db.transaction(async (tx) => {
      const contacts = new DeviceContactsRepository(tx);
      const gatewayId = await contacts.gatewayFor(device.tenantId, device.deviceSerial);
      if (!gatewayId) {
        this.logger.debug({ tenantId: device.tenantId, deviceSerial: device.deviceSerial }, 'no gateway reaches the device; reconciliation skipped');
        return null;
      }
      // Punches still queued at the edge would read as a mismatch and a backfill would re-read them: wait.
      if ((await contacts.edgeBacklog(device.tenantId, device.deviceSerial)) > 0) {
        this.logger.debug({ tenantId: device.tenantId, deviceSerial: device.deviceSerial }, 'edge backlog not drained; reconciliation deferred');
        return null;
      }
      // Claimed only once a gateway is known: a device nobody reaches is retried at the next tick.
      if (!(await new WatermarksRepository(tx).claim(device.tenantId, device.deviceSerial, this.config.SYNC_RECONCILE_INTERVAL_SECONDS))) return null;
      const runId = randomUUID();
      const runs = new RunsRepository(tx);
      const created = await runs.create({ id: runId, ...device, gatewayId, trigger: 'schedule', requestedBy: null, window, startedAt: now });
      if (!created) return null;
      const target: CommandTarget = { tenantId: device.tenantId, siteId: device.siteId, gatewayId };
      const verify = this.commands.build(
        'verify-count',
        target,
        { deviceSerial: device.deviceSerial, windows: hoursOf(window).map((h) => ({ from: h.toISOString(), to: new Date(h.getTime() + HOUR_MS).toISOString() })) },
        { requestedBy: null, now },
      );
      const outgoing: GatewayCommandV1[] = [verify];
      const gaps = await contacts.pendingGaps(device.tenantId, device.deviceSerial);
      const gapHours = gaps.flatMap((g) => hoursOf({ from: floorToHour(g.from), to: new Date(floorToHour(new Date(g.to.getTime() - 1)).getTime() + HOUR_MS) }));
      for (const piece of mergeHours(gapHours).flatMap((w) => splitWindow(w, COMMAND_MAX_WINDOW_HOURS))) {
        outgoing.push(this.backfill(target, device.deviceSerial, piece, 'gap-detected', null, now));
      }
      await runs.addCommands(runId, outgoing.map(commandRow));
      await contacts.markGapsScheduled(gaps.map((g) => g.id), runId);
      return { runId, outgoing };
    });
    if (!started) return null;
    await this.commands.send(started.outgoing);
    this.metrics.runsStarted.inc({ trigger: 'schedule' });
    return started.runId;
  }

  /** An operator's "re-pull device X for [from, to)": a run of backfills, split to the contract's window limit. */
  async startRepull(tenantId: string, deviceSerial: string, window: TimeWindow, requestedBy: string, now = new Date()): Promise<RepullOutcome> {
    const started = await this.db.transaction(async (tx) => {
      const [device] = await tx.query<{ site_id: string }>(
        `SELECT site_id FROM sync.device_sync_state WHERE tenant_id = $1 AND device_serial = $2
         UNION ALL SELECT site_id FROM sync.devices WHERE tenant_id = $1 AND serial = $2 AND deleted_at IS NULL LIMIT 1`,
        [tenantId, deviceSerial],
      );
      if (!device) return { problem: 'unknown-device' as const };
      const gatewayId = await new DeviceContactsRepository(tx).gatewayFor(tenantId, deviceSerial);
      if (!gatewayId) return { problem: 'no-gateway' as const };
      const runId = randomUUID();
      const runs = new RunsRepository(tx);
      await runs.create({ id: runId, tenantId, siteId: device.site_id, deviceSerial, gatewayId, trigger: 'operator', requestedBy, window, startedAt: now });
      const target = { tenantId, siteId: device.site_id, gatewayId };
      const outgoing = splitWindow(window, COMMAND_MAX_WINDOW_HOURS).map((piece) => this.backfill(target, deviceSerial, piece, 'operator', requestedBy, now));
      await runs.addCommands(runId, outgoing.map(commandRow));
      return { runId, outgoing };
    });
    if ('problem' in started) return started;
    await this.commands.send(started.outgoing);
    this.metrics.runsStarted.inc({ trigger: 'operator' });
    this.logger.info({ tenantId, deviceSerial, runId: started.runId, requestedBy, from: window.from, to: window.to }, 're-pull started');
    return { runId: started.runId };
  }

  /** Of these command ids, those of open commands of our runs. */
  openCommandIds(commandIds: readonly string[]): Promise<Set<string>> {
    return new RunsRepository(this.db).openAmong(commandIds);
  }

  /** Applies one command result. Idempotent: a result whose command is unknown or already completed is ignored. */
  async onResult(result: GatewayCommandResultV1, now = new Date()): Promise<void> {
    const outgoing: GatewayCommandV1[] = [];
    await this.db.transaction(async (tx) => {
      outgoing.length = 0; // a retried transaction starts over
      const runs = new RunsRepository(tx);
      const command = await runs.completeCommand(result.commandId, result.gatewayId, result.outcome, result);
      if (!command) return;
      const run = await runs.lock(command.run_id);
      if (!run || run.status !== 'running') return;
      if (command.type === 'verify-count') await this.applyVerify(tx, run, command, result, now, outgoing);
      else await this.applyBackfill(tx, run, command, result, now);
      if (outgoing.length > 0) await runs.addCommands(run.id, outgoing.map(commandRow));
      await this.finishIfDone(runs, run.id);
    });
    await this.commands.send(outgoing);
  }

  /** Gives up on commands that got no result by their deadline plus SYNC_COMMAND_RESULT_GRACE_SECONDS. */
  async expireOverdue(): Promise<number> {
    const overdue = await new RunsRepository(this.db).overdueCommands(this.config.SYNC_COMMAND_RESULT_GRACE_SECONDS);
    for (const command of overdue) {
      await this.db.transaction(async (tx) => {
        const runs = new RunsRepository(tx);
        if (!(await runs.completeCommand(command.command_id, command.gateway_id, 'expired', null))) return;
        const run = await runs.lock(command.run_id);
        if (!run || run.status !== 'running') return;
        await runs.addProgress(run.id, {
          error: { commandId: command.command_id, type: command.type, outcome: 'expired', class: 'no-result', message: `no result from ${command.gateway_id} by the deadline` },
        });
        await this.finishIfDone(runs, run.id);
      });
    }
    return overdue.length;
  }

  async report(tenantId: string, runId: string): Promise<RunReport | null> {
    const runs = new RunsRepository(this.db);
    const run = await runs.find(tenantId, runId);
    return run ? toReport(run, await runs.commandsOf(run.id)) : null;
  }

  /** The device's latest runs, newest first, each with its report. */
  async recentRuns(tenantId: string, deviceSerial: string, limit = 20): Promise<RunReport[]> {
    const runs = new RunsRepository(this.db);
    const rows = await runs.recentOfDevice(tenantId, deviceSerial, limit);
    return Promise.all(rows.map(async (run) => toReport(run, await runs.commandsOf(run.id))));
  }

  private async applyVerify(tx: SqlExecutor, run: RunRow, command: CommandRow, result: GatewayCommandResultV1, now: Date, outgoing: GatewayCommandV1[]) {
    const runs = new RunsRepository(tx);
    const target = { tenantId: run.tenant_id, siteId: run.site_id, gatewayId: run.gateway_id };
    const window = { from: new Date(command.window_from), to: new Date(command.window_to) };
    if ((result.outcome === 'succeeded' || result.outcome === 'partial') && result.deviceCounts) {
      const cloud = await new PunchCountsRepository(tx).hourCounts(run.tenant_id, run.device_serial, window);
      const comparison = compareCounts(result.deviceCounts, cloud);
      await runs.addProgress(run.id, {
        verified: comparison.verifiedHours.length,
        mismatched: comparison.mismatchedHours.length,
        ...(result.outcome === 'partial' ? { error: errorOf(command, result) } : {}),
        report: { hours: comparison.details },
      });
      for (const piece of mergeHours(comparison.mismatchedHours).flatMap((w) => splitWindow(w, COMMAND_MAX_WINDOW_HOURS))) {
        outgoing.push(this.backfill(target, run.device_serial, piece, 'count-mismatch', null, now));
      }
      await this.completeness.recordVerified(tx, run.tenant_id, run.device_serial, comparison.verifiedHours, now);
      return;
    }
    if (result.error?.class === UNSUPPORTED_COMMAND && (result.outcome === 'rejected' || result.outcome === 'failed')) {
      // No device count for this protocol: re-read the whole window; it counts as verified if the device
      // returns exactly as many punches as the cloud has (see applyBackfill).
      await runs.addProgress(run.id, { report: { deviceCount: 'unsupported' } });
      outgoing.push(...splitWindow(window, COMMAND_MAX_WINDOW_HOURS).map((piece) => this.backfill(target, run.device_serial, piece, 'reconciliation', null, now)));
      return;
    }
    await runs.addProgress(run.id, { error: errorOf(command, result) });
  }

  private async applyBackfill(tx: SqlExecutor, run: RunRow, command: CommandRow, result: GatewayCommandResultV1, now: Date) {
    const runs = new RunsRepository(tx);
    await runs.addProgress(run.id, {
      found: result.counts?.found ?? 0,
      new: result.counts?.new ?? 0,
      quarantined: result.counts?.quarantined ?? 0,
      ...(result.outcome === 'succeeded' ? {} : { error: errorOf(command, result) }),
    });
    if (command.reason !== 'reconciliation' || result.outcome !== 'succeeded' || !result.counts) return;
    const window = { from: new Date(command.window_from), to: new Date(command.window_to) };
    const cloud = await new PunchCountsRepository(tx).hourCounts(run.tenant_id, run.device_serial, window);
    const cloudTotal = [...cloud.values()].reduce((sum, n) => sum + n, 0);
    if (result.counts.found === cloudTotal) {
      const hours = hoursOf(window);
      await runs.addProgress(run.id, { verified: hours.length });
      await this.completeness.recordVerified(tx, run.tenant_id, run.device_serial, hours, now);
    }
  }

  private async finishIfDone(runs: RunsRepository, runId: string): Promise<void> {
    if ((await runs.openCommands(runId)) > 0) return;
    const commands = await runs.commandsOf(runId);
    const run = await runs.lock(runId);
    const errors = run?.errors ?? [];
    // A verify-count the protocol cannot do is not a failure: the run fell back to re-reading the window.
    const failed = new Set(errors.map((e) => e.commandId)).size;
    const status = failed === 0 ? 'succeeded' : failed >= commands.length ? 'failed' : 'partial';
    await runs.finish(runId, status, errors[0] ? `${errors[0].class}: ${errors[0].message}` : null);
    this.metrics.runsFinished.inc({ trigger: run?.trigger ?? 'unknown', status });
    this.metrics.punchesRecovered.inc(run?.new ?? 0);
  }

  private backfill(target: CommandTarget, deviceSerial: string, window: TimeWindow, reason: 'reconciliation' | 'count-mismatch' | 'gap-detected' | 'operator', requestedBy: string | null, now: Date) {
    return this.commands.build(
      'backfill',
      target,
      { deviceSerial, window: { from: window.from.toISOString(), to: window.to.toISOString() }, reason },
      { requestedBy, now },
    );
  }
}

function commandRow(command: GatewayCommandV1): NewCommand {
  const window =
    command.type === 'backfill'
      ? command.args.window
      : command.type === 'verify-count'
        ? { from: command.args.windows[0]!.from, to: command.args.windows[command.args.windows.length - 1]!.to }
        : { from: command.issuedAt, to: command.deadline };
  return {
    commandId: command.commandId,
    type: command.type,
    gatewayId: command.gatewayId,
    reason: command.type === 'backfill' ? command.args.reason : null,
    window: { from: new Date(window.from), to: new Date(window.to) },
    issuedAt: command.issuedAt,
    deadline: command.deadline,
  };
}

function errorOf(command: CommandRow, result: GatewayCommandResultV1): RunError {
  return {
    commandId: command.command_id,
    type: command.type,
    outcome: result.outcome,
    class: result.error?.class ?? 'unknown',
    message: result.error?.message ?? `outcome ${result.outcome}`,
  };
}

export interface RunReport {
  runId: string;
  deviceSerial: string;
  siteId: string;
  gatewayId: string;
  trigger: string;
  requestedBy: string | null;
  window: { from: string; to: string };
  status: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  report: {
    found: number;
    new: number;
    quarantined: number;
    windowsVerified: number;
    windowsMismatched: number;
    errors: RunError[];
    hours?: unknown;
    deviceCount?: unknown;
  };
  commands: { commandId: string; type: string; reason: string | null; window: { from: string; to: string }; outcome: string | null; completedAt: string | null }[];
}

function toReport(run: RunRow, commands: CommandRow[]): RunReport {
  return {
    runId: run.id,
    deviceSerial: run.device_serial,
    siteId: run.site_id,
    gatewayId: run.gateway_id,
    trigger: run.trigger,
    requestedBy: run.requested_by,
    window: { from: new Date(run.window_from).toISOString(), to: new Date(run.window_to).toISOString() },
    status: run.status,
    startedAt: new Date(run.started_at).toISOString(),
    finishedAt: run.finished_at ? new Date(run.finished_at).toISOString() : null,
    durationMs: run.duration_ms,
    error: run.error,
    report: {
      found: run.found,
      new: run.new,
      quarantined: run.quarantined,
      windowsVerified: run.windows_verified,
      windowsMismatched: run.windows_mismatched,
      errors: run.errors,
      ...run.report,
    },
    commands: commands.map((c) => ({
      commandId: c.command_id,
      type: c.type,
      reason: c.reason,
      window: { from: new Date(c.window_from).toISOString(), to: new Date(c.window_to).toISOString() },
      outcome: c.outcome,
      completedAt: c.completed_at ? new Date(c.completed_at).toISOString() : null,
    })),
  };
}

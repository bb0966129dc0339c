import { Counter, type Registry } from 'prom-client';
import type { Logger } from '@attendance/observability';
import type { AdmsDeviceCommands } from '../commands/adms-device-commands';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceStateRepository } from '../pull/device-state.repository';
import type { PulledDevice, WindowReadOutcome } from '../pull/pulled-device';
import type { UtcWindow } from '../pull/utc-window';
import type { EdgeStore } from '../store/edge-store';
import { ReconciliationRepository } from './reconciliation.repository';

export interface ReconciliationSchedulerOptions {
  config: GatewayConfig;
  store: EdgeStore;
  states: DeviceStateRepository;
  pull: { device(serial: string): PulledDevice | undefined; isActive(serial: string): boolean };
  adms: AdmsDeviceCommands;
  registry: Registry;
  logger: Logger;
  /** Longest an ADMS device may take to fetch and answer its DATA QUERY (it polls getrequest). Default 10 min. */
  admsTimeoutMs?: number;
  /** Devices re-read at the same time. Default 4. */
  concurrency?: number;
}

const RECOVERED_METRIC = 'gateway_reconciliation_recovered_total';
const RUNS_METRIC = 'gateway_reconciliation_runs_total';

/**
 * Scheduled reconciliation (DESIGN.md 6): every `reconcile.intervalMs`, each device's last `windowHours` are
 * re-read by its own protocol (ZK TCP log read, Hikvision AcsEvent time search, ADMS `DATA QUERY ATTLOG`).
 * Whatever comes back that the gateway did not have is stored as `source=backfill` and counted as
 * recovered: per device in a metric, a log line, `device_state` (for the heartbeat) and `reconciliation_run`.
 * Pull devices whose lease this gateway does not hold are skipped (their holder reconciles them).
 */
export class ReconciliationScheduler {
  private readonly runs: ReconciliationRepository;
  private readonly recovered: Counter<'device'>;
  private readonly outcomes: Counter<'outcome'>;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = true;
  private aborting = false;

  constructor(private readonly options: ReconciliationSchedulerOptions) {
    this.runs = new ReconciliationRepository(options.store.db);
    // NOTE: labelled by device: the configured devices of one gateway, a bounded set.
    this.recovered = (options.registry.getSingleMetric(RECOVERED_METRIC) as Counter<'device'> | undefined) ??
      new Counter({ name: RECOVERED_METRIC, help: 'Punches a scheduled reconciliation found on the device that the gateway did not have', labelNames: ['device'], registers: [options.registry] });
    this.outcomes = (options.registry.getSingleMetric(RUNS_METRIC) as Counter<'outcome'> | undefined) ??
      new Counter({ name: RUNS_METRIC, help: 'Scheduled device re-reads by outcome', labelNames: ['outcome'], registers: [options.registry] });
  }

  start(): void {
    const { intervalMs } = this.options.config.reconcile;
    if (intervalMs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.aborting = false;
    this.schedule(intervalMs);
  }

  /** Stops the schedule; a pass in progress finishes the device reads under way (bounded by `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.aborting = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.current, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  /** One pass over every device (also what the schedule runs). */
  runOnce(now = new Date()): Promise<void> {
    this.current ??= this.pass(now).finally(() => (this.current = null));
    return this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule(this.options.config.reconcile.intervalMs));
    }, delayMs);
  }

  private async pass(now: Date): Promise<void> {
    const window: UtcWindow = { from: new Date(now.getTime() - this.options.config.reconcile.windowHours * 3_600_000).toISOString(), to: now.toISOString() };
    const queue = [...this.options.config.devices.values()];
    const worker = async () => {
      for (let device = queue.shift(); device; device = queue.shift()) {
        if (this.aborting) return;
        await this.reconcile(device.serial, device.protocol, device.timeZone, window);
      }
    };
    await Promise.all(Array.from({ length: this.options.concurrency ?? 4 }, worker));
  }

  private async reconcile(serial: string, protocol: string, timeZone: string, window: UtcWindow): Promise<void> {
    let read: () => Promise<WindowReadOutcome>;
    if (protocol === 'zk-push2') {
      read = () => this.options.adms.backfill(serial, timeZone, window, new Date(Date.now() + (this.options.admsTimeoutMs ?? 600_000)));
    } else {
      const device = this.options.pull.device(serial);
      if (!device || !this.options.pull.isActive(serial)) return; // ws devices; or not ours to pull
      read = () => device.readWindow(window);
    }
    const startedAt = new Date().toISOString();
    try {
      const outcome = await read();
      const completedAt = new Date().toISOString();
      this.options.store.transaction(() => {
        this.options.states.ensure(serial, protocol, completedAt);
        this.options.states.noteReconciled(serial, outcome.new, completedAt);
        this.runs.insert({ deviceSerial: serial, windowFrom: window.from, windowTo: window.to, startedAt, completedAt, found: outcome.found, recovered: outcome.new, quarantined: outcome.quarantined, error: outcome.complete ? null : outcome.incompleteReasons.join('; ') || 'incomplete' });
      });
      this.recovered.inc({ device: serial }, outcome.new);
      this.outcomes.inc({ outcome: outcome.complete ? 'complete' : 'partial' });
      const log = outcome.new > 0 ? this.options.logger.warn.bind(this.options.logger) : this.options.logger.info.bind(this.options.logger);
      log({ serial, protocol, window, found: outcome.found, recovered: outcome.new, quarantined: outcome.quarantined, complete: outcome.complete }, outcome.new > 0 ? 'reconciliation recovered punches the gateway had missed' : 'reconciliation found nothing missing');
    } catch (error) {
      const completedAt = new Date().toISOString();
      const message = (error as Error).message ?? String(error);
      this.outcomes.inc({ outcome: 'failed' });
      this.options.logger.warn({ serial, protocol, err: error }, 'reconciliation of device failed; retried next interval');
      try {
        this.runs.insert({ deviceSerial: serial, windowFrom: window.from, windowTo: window.to, startedAt, completedAt, found: null, recovered: null, quarantined: null, error: message.slice(0, 2000) });
      } catch {
        // the store is closing: nothing to record
      }
    }
  }
}

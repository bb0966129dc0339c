import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import type { DiskBudget } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import { DeviceHealthTracker } from './device-health-tracker';
import { HikvisionDeviceRunner, type HikvisionDeviceRunnerOptions } from './hikvision-device-runner';
import { HikvisionPushRoute } from './hikvision-push-route';
import type { PulledDevice } from './pulled-device';
import { PulledBatchWriter } from './pulled-batch-writer';
import { ZkDeviceRunner, type ZkDeviceRunnerOptions } from './zk-device-runner';

/** Decides whether a device may be pulled now (the commands' LeaseBook). */
export interface PullLeaseGate {
  allows(serial: string, now?: Date): boolean;
  onChange(listener: () => void): void;
}

export interface PullRuntimeOptions {
  config: GatewayConfig;
  store: EdgeStore;
  events: DeviceEventRecorder;
  diskBudget: DiskBudget;
  leases: PullLeaseGate;
  /** Wakes the punch relay after new punches are committed. */
  onPunchesStored: () => void;
  logger: Logger;
  /** Test tuning (shorter intervals); production uses the runners' defaults. */
  tuning?: {
    zk?: Pick<ZkDeviceRunnerOptions, 'poller' | 'session'>;
    hikvision?: Partial<Pick<HikvisionDeviceRunnerOptions, 'pullIntervalMs' | 'clockCheckIntervalMs' | 'pageDelayMs' | 'alertStream'>>;
  };
  /** How often leases are re-checked for expiry. Default 1 s. */
  leaseCheckMs?: number;
}

/**
 * The pull-mode devices of this gateway: one runner per configured `zk-tcp` and `hikvision` device, each
 * running only while its lease allows (LEASES_REQUIRED), plus the httpHosts push route for the device port.
 * Commands and reconciliation reach the devices through `devices`.
 */
export class PullRuntime {
  readonly writer: PulledBatchWriter;
  readonly health: DeviceHealthTracker;
  readonly devices = new Map<string, ZkDeviceRunner | HikvisionDeviceRunner>();
  readonly pushRoute: HikvisionPushRoute;
  private readonly active = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private evaluating: Promise<void> = Promise.resolve();

  constructor(private readonly options: PullRuntimeOptions) {
    const { config } = options;
    this.writer = new PulledBatchWriter(options.store, options.events, options.onPunchesStored, options.diskBudget);
    this.health = new DeviceHealthTracker(options.store, options.events);
    const identity = { tenantId: config.tenantId, siteId: config.siteId, gatewayId: config.gatewayId };
    const hikvision = new Map<string, HikvisionDeviceRunner>();
    for (const device of config.devices.values()) {
      const logger = options.logger.child({ component: 'pull', serial: device.serial, protocol: device.protocol });
      if (device.protocol === 'zk-tcp') {
        this.devices.set(device.serial, new ZkDeviceRunner({ device, identity, writer: this.writer, health: this.health, logger, ...options.tuning?.zk }));
      } else if (device.protocol === 'hikvision') {
        const runner = new HikvisionDeviceRunner({ device, identity, writer: this.writer, health: this.health, logger, pullIntervalMs: config.pullIntervalMs, ...options.tuning?.hikvision });
        this.devices.set(device.serial, runner);
        hikvision.set(device.serial, runner);
      }
    }
    this.pushRoute = new HikvisionPushRoute(hikvision, options.diskBudget, options.logger.child({ component: 'hikvision-push' }));
    options.leases.onChange(() => void this.evaluate());
  }

  /** A pulled device by serial, or undefined for push-mode and unknown devices. */
  device(serial: string): PulledDevice | undefined {
    return this.devices.get(serial);
  }

  /** Whether this gateway is pulling the device right now (lease held, runner started). */
  isActive(serial: string): boolean {
    return this.active.has(serial);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.evaluate();
    this.timer = setInterval(() => void this.evaluate(), this.options.leaseCheckMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.evaluating;
    await Promise.all([...this.active].map((serial) => this.devices.get(serial)!.stop()));
    this.active.clear();
  }

  /** Starts the runners whose lease allows it and stops the others; serialised. */
  private evaluate(): Promise<void> {
    this.evaluating = this.evaluating.then(async () => {
      if (!this.started) return;
      const now = new Date();
      for (const [serial, runner] of this.devices) {
        const allowed = this.options.leases.allows(serial, now);
        if (allowed && !this.active.has(serial)) {
          this.active.add(serial);
          runner.start();
          this.options.logger.info({ serial, protocol: runner.protocol }, 'pulling device');
        } else if (!allowed && this.active.has(serial)) {
          this.active.delete(serial);
          this.options.logger.info({ serial }, 'lease not held: stopped pulling device');
          await runner.stop();
        }
      }
    });
    return this.evaluating;
  }
}

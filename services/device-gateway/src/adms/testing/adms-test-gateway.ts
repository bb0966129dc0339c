import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRootLogger } from '@attendance/observability';
import type { ConfiguredDevice, GatewayConfig } from '../../config/gateway.config';
import type { DeviceEventV1 } from '@attendance/contracts';
import { SqliteDeviceEventRecorder } from '../../events/sqlite-device-event-recorder';
import { GatewayMetrics } from '../../health/gateway-metrics';
import { DiskBudget } from '../../store/disk-budget';
import { EdgeStore } from '../../store/edge-store';
import { AdmsCommandQueue } from '../adms-command-queue';
import { AdmsHttpServer } from '../adms-http-server';
import { AdmsUploadService } from '../adms-upload.service';
import { DeviceHealthTracker } from '../../pull/device-health-tracker';

/**
 * A real ADMS listener on an ephemeral port over a real on-disk SQLite database (WAL, synchronous=FULL), for
 * integration tests with the simulated devices in tools/simulators.
 */
export class AdmsTestGateway {
  /** The production recorder (contract-validated, SQLite outbox); read back with deviceEvents(). */
  events!: SqliteDeviceEventRecorder;
  store!: EdgeStore;
  commands!: AdmsCommandQueue;
  /** The same tracker the runtime uses, so capacity / clock-skew events are the real ones. */
  health!: DeviceHealthTracker;
  uploads!: AdmsUploadService;
  url = '';
  private server!: AdmsHttpServer;
  private readonly dir = mkdtempSync(join(tmpdir(), 'adms-gw-'));
  readonly config: GatewayConfig;

  constructor(devices: ConfiguredDevice[], overrides: Partial<GatewayConfig> = {}) {
    this.config = {
      gatewayId: 'gw-test',
      tenantId: 'tenant-a',
      siteId: 'site-1',
      siteTimeZone: 'Asia/Kolkata',
      host: '127.0.0.1',
      deviceHttpPort: 0,
      wsPort: 0,
      attPhotoPolicy: 'discard',
      databasePath: join(this.dir, 'gateway.sqlite'),
      devices: new Map(devices.map((d) => [d.serial, d])),
      ...overrides,
    } as GatewayConfig;
  }

  get databasePath(): string {
    return this.config.databasePath;
  }

  async start(): Promise<this> {
    this.store = EdgeStore.open(this.databasePath);
    this.commands = new AdmsCommandQueue(this.store, { pollIntervalMs: 50 });
    this.events = new SqliteDeviceEventRecorder(this.store.deviceEvents, this.config);
    this.health = new DeviceHealthTracker(this.store, this.events);
    const uploads = new AdmsUploadService(this.store, this.config, () => undefined, new DiskBudget(this.databasePath, 1 << 30), this.events, this.health);
    this.uploads = uploads;
    const logger = createRootLogger({ service: 'adms-test', version: 'test', level: 'warn' });
    this.server = new AdmsHttpServer({ config: this.config, store: this.store, uploads, commands: this.commands, events: this.events, metrics: new GatewayMetrics(new Registry(), this.store), logger });
    this.url = await this.server.listen();
    return this;
  }

  /** Stops the listener and closes the database, keeping the file (a restart opens it again). */
  async stop(): Promise<void> {
    await this.server.close();
    this.store.close();
  }

  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Device events committed to the SQLite event outbox, oldest first. */
  deviceEvents(type?: DeviceEventV1['type']): DeviceEventV1[] {
    const rows = this.store.db.prepare('SELECT payload FROM device_event_outbox ORDER BY id').all() as { payload: string }[];
    return rows.map((r) => JSON.parse(r.payload) as DeviceEventV1).filter((e) => type === undefined || e.type === type);
  }

  count(sql: string, ...params: unknown[]): number {
    return (this.store.db.prepare(sql).get(...params) as { n: number }).n;
  }
}

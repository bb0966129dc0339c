import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRootLogger } from '@attendance/observability';
import type { ConfiguredDevice, GatewayConfig } from '../../config/gateway.config';
import type { DeviceEventInput, DeviceEventRecorder } from '../../events/device-event-recorder';
import { GatewayMetrics } from '../../health/gateway-metrics';
import { DiskBudget } from '../../store/disk-budget';
import { EdgeStore } from '../../store/edge-store';
import { AdmsCommandQueue } from '../adms-command-queue';
import { AdmsHttpServer } from '../adms-http-server';
import { AdmsUploadService } from '../adms-upload.service';

/** Collects device events in memory (tests only; production records them in the SQLite event outbox). */
export class CollectingEventRecorder implements DeviceEventRecorder {
  readonly events: DeviceEventInput[] = [];
  record(event: DeviceEventInput): void {
    this.events.push(event);
  }
}

/**
 * A real ADMS listener on an ephemeral port over a real on-disk SQLite database (WAL, synchronous=FULL), for
 * integration tests with the simulated devices in tools/simulators.
 */
export class AdmsTestGateway {
  readonly events = new CollectingEventRecorder();
  store!: EdgeStore;
  commands!: AdmsCommandQueue;
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
    const uploads = new AdmsUploadService(this.store, this.config, () => undefined, new DiskBudget(this.databasePath, 1 << 30));
    const logger = createRootLogger({ service: 'adms-test', version: 'test', level: 'warn' });
    this.server = new AdmsHttpServer({ config: this.config, store: this.store, uploads, commands: this.commands, metrics: new GatewayMetrics(new Registry(), this.store), logger });
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

  count(sql: string, ...params: unknown[]): number {
    return (this.store.db.prepare(sql).get(...params) as { n: number }).n;
  }
}

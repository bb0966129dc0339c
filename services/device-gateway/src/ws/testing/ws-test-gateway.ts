import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceEventV1 } from '@attendance/contracts';
import { createRootLogger } from '@attendance/observability';
import type { ConfiguredDevice, GatewayConfig } from '../../config/gateway.config';
import { SqliteDeviceEventRecorder } from '../../events/sqlite-device-event-recorder';
import { DeviceHealthTracker } from '../../pull/device-health-tracker';
import { DiskBudget } from '../../store/disk-budget';
import { EdgeStore } from '../../store/edge-store';
import { GroupCommitter } from '../../store/group-committer';
import { WsDeviceServer } from '../ws-device-server';
import { WsMessageStore, type WsCommitter } from '../ws-message-store';

/** A real WS listener on an ephemeral port over real on-disk SQLite, for tests with tools/simulators/ws-device. */
export class WsTestGateway {
  store!: EdgeStore;
  url = '';
  private server!: WsDeviceServer;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ws-gw-'));
  readonly config: GatewayConfig;

  constructor(devices: ConfiguredDevice[], private readonly budgetBytes = 1 << 30) {
    this.config = {
      gatewayId: 'gw-test',
      tenantId: 'tenant-a',
      siteId: 'site-1',
      siteTimeZone: 'Asia/Kolkata',
      host: '127.0.0.1',
      wsPort: 0,
      databasePath: join(this.dir, 'gateway.sqlite'),
      devices: new Map(devices.map((d) => [d.serial, d])),
    } as unknown as GatewayConfig;
  }

  get databasePath(): string {
    return this.config.databasePath;
  }

  /** `committer` may wrap the real GroupCommitter (e.g. to hold one message's commit back). */
  async start(options: { helloTimeoutMs?: number; committer?: (real: GroupCommitter) => WsCommitter } = {}): Promise<this> {
    this.store = EdgeStore.open(this.databasePath);
    const events = new SqliteDeviceEventRecorder(this.store.deviceEvents, this.config);
    const real = new GroupCommitter(this.store.db);
    const committer = options.committer ? options.committer(real) : real;
    const messages = new WsMessageStore(this.store, this.config, events, new DiskBudget(this.databasePath, this.budgetBytes), () => undefined, committer);
    const logger = createRootLogger({ service: 'ws-test', version: 'test', level: 'silent' });
    this.server = new WsDeviceServer({ config: this.config, store: this.store, messages, events, health: new DeviceHealthTracker(this.store, events), logger }, options.helloTimeoutMs !== undefined ? { helloTimeoutMs: options.helloTimeoutMs } : {});
    this.url = await this.server.listen();
    return this;
  }

  async dispose(): Promise<void> {
    await this.server.close().catch(() => undefined);
    this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  deviceEvents(type?: DeviceEventV1['type']): DeviceEventV1[] {
    const rows = this.store.db.prepare('SELECT payload FROM device_event_outbox ORDER BY id').all() as { payload: string }[];
    return rows.map((r) => JSON.parse(r.payload) as DeviceEventV1).filter((e) => type === undefined || e.type === type);
  }
}

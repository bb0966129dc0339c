import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { ContractProducer, createKafkaClient, kafkaConnectionFromEnv, WorkerThreadProducer } from '@attendance/kafka';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { AdmsCommandQueue } from './adms/adms-command-queue';
import { AdmsHttpServer } from './adms/adms-http-server';
import { WsDeviceServer } from './ws/ws-device-server';
import { WsMessageStore } from './ws/ws-message-store';
import { AdmsUploadService } from './adms/adms-upload.service';
import { DeviceEventRelay } from './events/device-event-relay';
import type { DeviceEventRecorder } from './events/device-event-recorder';
import { SqliteDeviceEventRecorder } from './events/sqlite-device-event-recorder';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { GatewayMetrics } from './health/gateway-metrics';
import { HeartbeatPublisher } from './heartbeat/heartbeat-publisher';
import { ReconciliationScheduler } from './reconciliation/reconciliation-scheduler';
import { ReferenceCacheRepository } from './reference/reference-cache.repository';
import { ReferenceSync } from './reference/reference-sync';
import { AdmsDeviceCommands } from './commands/adms-device-commands';
import { GatewayCommands } from './commands/gateway-commands';
import { LeaseBook } from './commands/lease-book';
import { PullRuntime } from './pull/pull-runtime';
import { OutboxRelay } from './relay/outbox-relay';
import { OutboxRetention } from './relay/outbox-retention';
import { settlesWithin } from './relay/relay-loop';
import { Uplink } from './relay/uplink';
import { DiskBudget } from './store/disk-budget';
import { EdgeStore } from './store/edge-store';
import { GroupCommitter } from './store/group-committer';

/**
 * Owns the gateway's long-lived parts and their order: open the store, start the device listener, start the
 * relay; on shutdown the reverse, so no device is acknowledged after the store is closed.
 */
@Injectable()
export class GatewayRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly store: EdgeStore;
  /** Where every protocol adapter reports device events (durable; relayed to edge.device.event.v1). */
  readonly deviceEvents: DeviceEventRecorder;
  /** The one link to Kafka (circuit breaker); its state goes into health and heartbeats. */
  readonly uplink: Uplink;
  private readonly deviceEventRelay: DeviceEventRelay;
  private readonly retention: OutboxRetention;
  /** edge.gateway.heartbeat.v1 every heartbeatIntervalMs; `build()` gives the current one. */
  readonly heartbeat: HeartbeatPublisher;
  /** Read-only cache of the cloud's sites, devices and employees; `refresh()` for a "reload roster" command. */
  readonly referenceSync: ReferenceSync;
  /** Commands for ADMS devices (backfill, verify count, users), delivered on their next getrequest. */
  readonly admsCommands: AdmsCommandQueue;
  /** Pull leases of ZK TCP / Hikvision devices (granted by sync-coordinator when LEASES_REQUIRED). */
  readonly leases: LeaseBook;
  /** ZK TCP and Hikvision devices: pollers, AcsEvent pulls, alertStream, httpHosts. */
  readonly pull: PullRuntime;
  /** edge.gateway.command.v1 consumer, executor (at most once per commandId) and result outbox. */
  readonly commands: GatewayCommands;
  /** Every device's recent window re-read on a schedule; what comes back new is "recovered". */
  readonly reconciliation: ReconciliationScheduler;
  private readonly producer: ContractProducer;
  private readonly relay: OutboxRelay;
  private readonly deviceServer: AdmsHttpServer;
  /** WebSocket devices/agents (docs/ws-device-protocol.md); only when a `ws` device is configured. */
  private readonly wsServer: WsDeviceServer | null;
  /** Where WS devices reach us, e.g. `ws://127.0.0.1:5001`; null when no `ws` device is configured. */
  wsListenerUrl: string | null = null;
  private readonly diskBudget: DiskBudget;
  /** Where devices reach us, e.g. `http://127.0.0.1:8081`; set once the listener is up. */
  deviceListenerUrl: string | null = null;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly health: HealthRegistry,
  ) {
    this.store = EdgeStore.open(config.databasePath);
    // Checkpoints on a worker thread, not inside the COMMITs that devices wait for (WalCheckpointer).
    this.store.startBackgroundCheckpoints();
    const metrics = new GatewayMetrics(registry, this.store);
    const kafka = createKafkaClient(kafkaConnectionFromEnv(config.kafka, `device-gateway-${config.gatewayId}`), logger.child({ component: 'kafka' }));
    this.producer = new ContractProducer(kafka, { source: `/device-gateway/${config.gatewayId}`, logger });
    this.uplink = new Uplink(this.producer, logger.child({ component: 'uplink' }), {
      serializedProducer: new WorkerThreadProducer({ connection: kafkaConnectionFromEnv(config.kafka, `device-gateway-${config.gatewayId}-relay`), source: `/device-gateway/${config.gatewayId}`, logger }),
    });
    this.deviceEventRelay = new DeviceEventRelay(this.store.deviceEvents, this.uplink, metrics, logger.child({ component: 'device-event-relay' }), config.relay);
    this.deviceEvents = new SqliteDeviceEventRecorder(this.store.deviceEvents, config, () => this.deviceEventRelay.notify());
    metrics.trackUplink(this.uplink);
    this.relay = new OutboxRelay(this.store, this.uplink, metrics, logger.child({ component: 'outbox-relay' }), { ...config.relay, tenantId: config.tenantId });
    this.retention = new OutboxRetention(this.store, metrics, logger.child({ component: 'outbox-retention' }), { publishedRetentionMs: config.publishedRetentionMs });
    this.diskBudget = new DiskBudget(config.databasePath, config.diskBudgetBytes);
    this.heartbeat = new HeartbeatPublisher(this.store, this.uplink, this.diskBudget, config, logger.child({ component: 'heartbeat' }));
    const pull = config.referencePull;
    this.referenceSync = new ReferenceSync(
      this.store,
      pull && { url: pull.url, token: pull.token, intervalMs: pull.intervalMs, tenantId: config.tenantId, gatewayId: config.gatewayId },
      logger.child({ component: 'reference-sync' }),
    );
    this.admsCommands = new AdmsCommandQueue(this.store);
    this.leases = new LeaseBook(this.store.db, config.leasesRequired);
    this.pull = new PullRuntime({
      config,
      store: this.store,
      events: this.deviceEvents,
      diskBudget: this.diskBudget,
      leases: this.leases,
      onPunchesStored: () => this.relay.notify(),
      logger,
    });
    // ADMS devices report clock skew and capacity through the same health tracker as pulled devices.
    // ADMS uploads and WS messages arriving together share one group commit (one fsync).
    const committer = new GroupCommitter(this.store.db);
    const uploads = new AdmsUploadService(this.store, config, () => this.relay.notify(), this.diskBudget, this.deviceEvents, this.pull.health, committer);
    this.deviceServer = new AdmsHttpServer({
      config,
      store: this.store,
      uploads,
      commands: this.admsCommands,
      events: this.deviceEvents,
      metrics,
      logger: logger.child({ component: 'adms' }),
      pushRoute: this.pull.pushRoute,
    });
    // NOTE: every WS client authenticates with its device entry's token, so without one nobody could connect
    const wsConfigured = [...config.devices.values()].some((d) => d.protocol === 'ws');
    this.wsServer = wsConfigured
      ? new WsDeviceServer({
          config,
          store: this.store,
          messages: new WsMessageStore(this.store, config, this.deviceEvents, this.diskBudget, () => this.relay.notify(), committer),
          events: this.deviceEvents,
          health: this.pull.health,
          logger: logger.child({ component: 'ws' }),
        })
      : null;
    const referenceCache = new ReferenceCacheRepository(this.store.db);
    const admsDeviceCommands = new AdmsDeviceCommands(this.store, this.admsCommands);
    this.commands = new GatewayCommands({
      kafka,
      dlqProducer: this.producer,
      publisher: this.uplink,
      config,
      store: this.store,
      leases: this.leases,
      pull: this.pull,
      adms: admsDeviceCommands,
      reference: { refresh: (options) => this.referenceSync.refresh(options), configured: config.referencePull !== null },
      roster: () => referenceCache.employees(),
      logger: logger.child({ component: 'commands' }),
    });
    this.reconciliation = new ReconciliationScheduler({
      config,
      store: this.store,
      states: this.pull.health.states,
      pull: this.pull,
      adms: admsDeviceCommands,
      registry,
      logger: logger.child({ component: 'reconciliation' }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.health.register({ name: 'sqlite', check: () => void this.store.db.prepare('SELECT 1').get() });
    this.health.register({
      name: 'kafka-uplink',
      critical: false,
      check: () => {
        const uplink = this.relay.uplinkState();
        if (uplink.state === 'down') throw new Error(`uplink down (${uplink.consecutiveFailures} failures): ${uplink.lastError}`);
      },
    });
    this.health.register({
      name: 'disk-budget',
      critical: false,
      check: () => {
        const used = this.diskBudget.usedBytes();
        if (used >= this.diskBudget.budgetBytes) throw new Error(`storage budget spent (${used} of ${this.diskBudget.budgetBytes} bytes); devices are refused`);
      },
    });
    const address = await this.deviceServer.listen();
    this.deviceListenerUrl = address;
    this.logger.info({ address, devices: this.config.devices.size, database: this.config.databasePath }, 'ADMS device listener ready');
    if (this.wsServer) {
      this.wsListenerUrl = await this.wsServer.listen();
      this.logger.info({ address: this.wsListenerUrl }, 'WebSocket device listener ready');
    }
    // NOTE: connecting is retried by the relay loop itself; the edge accepts punches with the uplink down
    this.producer.connect().catch((err: unknown) => this.logger.warn({ err }, 'Kafka not reachable yet; punches are buffered'));
    this.relay.start();
    this.deviceEventRelay.start();
    this.retention.start();
    this.heartbeat.start();
    this.pull.start();
    this.commands.start();
    this.reconciliation.start();
    this.referenceSync.start();
  }

  /**
   * Bounded even with Kafka unreachable (docker stop allows 10 s before SIGKILL): every wait on Kafka shares one
   * SHUTDOWN_KAFKA_BUDGET_MS. A send still in flight then is abandoned, never marked: its rows stay unsent and go
   * out again after the restart (the cloud dedupes by eventId). SQLite is closed only after every writer stopped.
   */
  async onApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + SHUTDOWN_KAFKA_BUDGET_MS;
    const left = () => Math.max(0, deadline - Date.now());
    // no device is acknowledged from here on
    await this.deviceServer.close();
    await this.wsServer?.close();
    await this.reconciliation.stop();
    // NOTE: GatewayCommands.stop() first waits for its consumer's group join, which kafkajs keeps retrying for
    // ~15 s with the broker unreachable, and only then stops its executor and result relay (both use SQLite).
    // It gets the budget; if it needs longer, the store is closed when it has finished, not before.
    const commandsStopping = this.commands.stop();
    const [commandsStopped] = await Promise.all([
      settlesWithin(commandsStopping, left()),
      this.relay.stop(left()),
      this.deviceEventRelay.stop(left()),
      this.heartbeat.stop(left()),
    ]);
    await this.pull.stop();
    await this.retention.stop();
    await this.referenceSync.stop();
    await this.uplink.close(Math.max(left(), 500));
    await settlesWithin(this.producer.disconnect().catch(() => undefined), Math.max(left(), 500));
    if (commandsStopped) {
      this.store.close();
      return;
    }
    this.logger.warn({ budgetMs: SHUTDOWN_KAFKA_BUDGET_MS }, 'command consumer still joining Kafka; the store closes once it has stopped');
    void commandsStopping
      .catch(() => undefined)
      .then(() => this.store.close())
      .catch((err: unknown) => this.logger.error({ err }, 'store did not close cleanly'));
  }
}

/** What a shutdown may spend waiting on Kafka in all (sends in flight, the command consumer, disconnects). */
const SHUTDOWN_KAFKA_BUDGET_MS = 4_000;

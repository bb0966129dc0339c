import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { TOPICS, type GatewayHeartbeatV1 } from '@attendance/contracts';
import { HealthRegistry, METRICS_REGISTRY, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { LeaseManager } from '../leases/lease-manager';
import { SyncDatabase } from '../persistence/sync-database';
import { DeviceContactsRepository } from '../reconciliation/device-contacts.repository';
import { ManagedConsumer } from './managed-consumer';
import { SyncKafka } from './sync-kafka';

/**
 * Heartbeats → which gateway reaches which device, out-of-contact spells, device watermark rows, and leases.
 * Only gateways of the directory (their tenant, not revoked) count: an unknown gateway cannot take a lease or
 * make the coordinator send commands. A new group starts at the latest heartbeat: they are snapshots, and
 * replaying old ones would only report stale reachability.
 */
@Injectable()
export class HeartbeatIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumer: ManagedConsumer<typeof TOPICS.gatewayHeartbeat>;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    kafka: SyncKafka,
    db: SyncDatabase,
    leases: LeaseManager,
    private readonly health: HealthRegistry,
  ) {
    const ignored = new Counter({ name: 'sync_heartbeats_unknown_gateway_total', help: 'Heartbeats from gateways not in the directory (ignored)', registers: [registry] });
    const gaps = new Counter({ name: 'sync_contact_gaps_detected_total', help: 'Out-of-contact spells detected from heartbeats', registers: [registry] });
    const child = logger.child({ component: 'heartbeat-consumer' });
    this.consumer = new ManagedConsumer('heartbeat-consumer', {
      kafka: kafka.kafka,
      groupId: `${config.SYNC_CONSUMER_GROUP_PREFIX}.heartbeats`,
      contract: TOPICS.gatewayHeartbeat,
      dlqProducer: kafka.producer,
      logger: child,
      metrics: kafka.metrics,
      fromBeginning: false,
      handler: async (messages) => {
        for (const heartbeat of latestPerGateway(messages.map((m) => m.value))) {
          const registered = await new DeviceContactsRepository(db).isRegisteredGateway(heartbeat.gatewayId, heartbeat.tenantId);
          if (!registered) {
            ignored.inc();
            child.debug({ gatewayId: heartbeat.gatewayId, tenantId: heartbeat.tenantId }, 'heartbeat from a gateway not in the directory; ignored');
            continue;
          }
          const detected = await db.transaction((tx) => new DeviceContactsRepository(tx).record(heartbeat));
          gaps.inc(detected.length);
          await leases.onHeartbeat(heartbeat);
        }
      },
    });
  }

  onApplicationBootstrap(): Promise<void> {
    return this.consumer.start(this.health);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.consumer.stop();
  }

  waitForAssignment(timeoutMs?: number): Promise<void> {
    return this.consumer.waitForAssignment(timeoutMs);
  }
}

/**
 * A heartbeat is a snapshot, so of several from one gateway in a batch (a backlog after a pause) only the
 * newest matters; the stored previous state still catches a contact gap that spans the skipped ones.
 */
export function latestPerGateway(heartbeats: readonly GatewayHeartbeatV1[]): GatewayHeartbeatV1[] {
  const latest = new Map<string, GatewayHeartbeatV1>();
  for (const heartbeat of heartbeats) {
    const seen = latest.get(heartbeat.gatewayId);
    if (!seen || Date.parse(heartbeat.sentAt) >= Date.parse(seen.sentAt)) latest.set(heartbeat.gatewayId, heartbeat);
  }
  return [...latest.values()];
}

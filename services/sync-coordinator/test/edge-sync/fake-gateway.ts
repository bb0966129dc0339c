import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import {
  GatewayCommandV1Schema,
  TOPICS,
  type GatewayCommandResultV1,
  type GatewayCommandV1,
  type GatewayHeartbeatV1,
  type PunchProtocol,
} from '@attendance/contracts';
import { ContractProducer, createKafkaClient, silentKafkaLogger } from '@attendance/kafka';
import { testInfra, uniqueSuffix } from '@attendance/testing';

export interface FakeDevice {
  serial: string;
  protocol: PunchProtocol;
  reachable: boolean;
  /** Punches of the device waiting at the edge (0 when absent). */
  backlog?: number;
}

export type Responder = (command: GatewayCommandV1) => Promise<Omit<GatewayCommandResultV1, 'commandId' | 'type' | 'tenantId' | 'siteId' | 'gatewayId' | 'completedAt'> | null>;

/** A received command and when the fake gateway got it (its own clock). */
export interface ReceivedCommand {
  command: GatewayCommandV1;
  receivedAt: number;
}

/**
 * A gateway as sync-coordinator sees it, speaking only the Kafka contracts: heartbeats on
 * `edge.gateway.heartbeat.v1` every second, commands read from `edge.gateway.command.v1` (its own gatewayId
 * only), results on `edge.gateway.command-result.v1`. It keeps the leases it is granted (honouring fencing
 * tokens, like a real gateway) and reports them in its heartbeats.
 */
export class FakeGateway {
  readonly received: ReceivedCommand[] = [];
  readonly leases = new Map<string, { leaseId: string; fencingToken: number; expiresAt: string }>();
  private readonly producer: ContractProducer;
  private readonly consumer: Consumer;
  private timer: NodeJS.Timeout | null = null;
  private readonly startedAt = new Date().toISOString();
  lastHeartbeatError: unknown = null;
  /** Lease grants to lose before applying one (a gateway that crashed before storing its command). */
  grantsToLose = 0;

  constructor(
    readonly gatewayId: string,
    readonly tenantId: string,
    readonly siteId: string,
    readonly devices: FakeDevice[],
    private readonly respond: Responder = async () => null,
  ) {
    const brokers = testInfra().kafkaBrokers;
    this.producer = new ContractProducer(createKafkaClient({ brokers, clientId: `fake-${gatewayId}`, ssl: false }, silentKafkaLogger), {
      source: `/fake-gateway/${gatewayId}`,
      logger: silentKafkaLogger,
    });
    const kafka = new Kafka({ clientId: `fake-${gatewayId}`, brokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `fake-gateway-${uniqueSuffix()}`, maxWaitTimeInMs: 250 });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: TOPICS.gatewayCommand.name, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = GatewayCommandV1Schema.safeParse(JSON.parse(message.value!.toString()));
        if (!parsed.success || parsed.data.gatewayId !== this.gatewayId) return;
        const command = parsed.data;
        this.received.push({ command, receivedAt: Date.now() });
        this.applyLease(command);
        const outcome = await this.respond(command);
        if (outcome) await this.report(command, outcome);
      },
    });
    this.startHeartbeats();
  }

  startHeartbeats(): void {
    if (this.timer) return;
    const beat = () =>
      void this.producer.publish(TOPICS.gatewayHeartbeat, [this.heartbeat()]).catch((error: unknown) => {
        this.lastHeartbeatError = error; // surfaced by tests that wait on heartbeats
      });
    beat();
    this.timer = setInterval(beat, 1000);
  }

  /** Goes silent, as a gateway that crashed or lost its uplink. */
  stopHeartbeats(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async stop(): Promise<void> {
    this.stopHeartbeats();
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  commandsOf<T extends GatewayCommandV1['type']>(type: T): Extract<GatewayCommandV1, { type: T }>[] {
    return this.received.map((r) => r.command).filter((c): c is Extract<GatewayCommandV1, { type: T }> => c.type === type);
  }

  private async report(command: GatewayCommandV1, outcome: NonNullable<Awaited<ReturnType<Responder>>>): Promise<void> {
    const result: GatewayCommandResultV1 = {
      commandId: command.commandId,
      type: command.type,
      tenantId: command.tenantId,
      siteId: command.siteId,
      gatewayId: this.gatewayId,
      completedAt: new Date().toISOString(),
      ...outcome,
    };
    await this.producer.publish(TOPICS.gatewayCommandResult, [result]);
  }

  private applyLease(command: GatewayCommandV1): void {
    if (command.type !== 'lease-grant' && command.type !== 'lease-revoke') return;
    if (command.type === 'lease-grant' && this.grantsToLose > 0) {
      this.grantsToLose--;
      return;
    }
    const held = this.leases.get(command.args.deviceSerial);
    if (held && command.args.fencingToken < held.fencingToken) return; // stale: the contract says ignore it
    if (command.type === 'lease-grant') {
      this.leases.set(command.args.deviceSerial, { leaseId: command.args.leaseId, fencingToken: command.args.fencingToken, expiresAt: command.args.expiresAt });
    } else if (held?.leaseId === command.args.leaseId) {
      this.leases.delete(command.args.deviceSerial);
    }
  }

  private heartbeat(): GatewayHeartbeatV1 {
    const now = new Date();
    return {
      gatewayId: this.gatewayId,
      tenantId: this.tenantId,
      siteId: this.siteId,
      gatewayVersion: 'fake-1',
      startedAt: this.startedAt,
      sentAt: now.toISOString(),
      // Sent every second, but announced as every 5 s: the coordinator calls a gateway silent after 3 periods,
      // and on this shared 2-core machine its consumer can lag a few seconds behind.
      intervalSeconds: 5,
      uplink: { state: 'up', since: this.startedAt, lastOutageStartedAt: null, lastOutageEndedAt: null },
      backlog: { count: 0, oldestReceivedAt: null, oldestAgeSeconds: null },
      quarantinedCount: 0,
      disk: { usedBytes: 1024, budgetBytes: 1024 * 1024 * 1024, freeBytes: 10 * 1024 * 1024 * 1024, refusing: false },
      devices: this.devices.map((d) => {
        const lease = this.leases.get(d.serial);
        const live = lease && Date.parse(lease.expiresAt) > now.getTime();
        return {
          deviceSerial: d.serial,
          protocol: d.protocol,
          registration: 'approved' as const,
          reachable: d.reachable,
          lastContactAt: d.reachable ? now.toISOString() : null,
          lastPunchReceivedAt: null,
          clockSkewSeconds: 0,
          clockSkewMeasuredAt: now.toISOString(),
          capacity: null,
          backlogCount: d.backlog ?? 0,
          lease: live ? lease : null,
          lastErrorClass: null,
        };
      }),
    };
  }
}

/** A random token hash for a gateway row (the tests never authenticate as the gateway over HTTP). */
export function randomTokenHash(): Buffer {
  return randomBytes(32);
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, type GatewayCommandOf, type GatewayCommandType, type GatewayCommandV1 } from '@attendance/contracts';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { EdgeSyncMetrics } from '../reconciliation/edge-sync-metrics';
import { SyncKafka } from './sync-kafka';

export interface CommandTarget {
  tenantId: string;
  siteId: string;
  gatewayId: string;
}

/** Builds gateway commands (id, issuedAt, deadline) and publishes them on `edge.gateway.command.v1`. */
@Injectable()
export class GatewayCommands {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    private readonly kafka: SyncKafka,
    private readonly metrics: EdgeSyncMetrics,
  ) {}

  build<T extends GatewayCommandType>(
    type: T,
    target: CommandTarget,
    args: GatewayCommandOf<T>['args'],
    options: { requestedBy: string | null; now: Date; deadlineSeconds?: number },
  ): GatewayCommandOf<T> {
    const deadline = new Date(options.now.getTime() + (options.deadlineSeconds ?? this.config.SYNC_COMMAND_TIMEOUT_SECONDS) * 1000);
    return {
      commandId: randomUUID(),
      type,
      tenantId: target.tenantId,
      siteId: target.siteId,
      gatewayId: target.gatewayId,
      issuedAt: options.now.toISOString(),
      deadline: deadline.toISOString(),
      requestedBy: options.requestedBy,
      args,
    } as GatewayCommandOf<T>;
  }

  /** Resolves once the broker acknowledged every command (validated against the contract first). */
  async send(commands: readonly GatewayCommandV1[]): Promise<void> {
    await this.kafka.producer.publish(TOPICS.gatewayCommand, commands);
    for (const command of commands) this.metrics.commandsSent.inc({ type: command.type });
  }
}

import { TOPICS, type DeviceEventV1 } from '@attendance/contracts';
import { ContractViolationError } from '@attendance/kafka';
import type { Logger } from '@attendance/observability';
import type { GatewayMetrics } from '../health/gateway-metrics';
import { RelayLoop, type RelayStepResult } from '../relay/relay-loop';
import type { Uplink } from '../relay/uplink';
import type { DeviceEventOutboxRepository, OutboxDeviceEvent } from '../store/device-event-outbox.repository';

export interface DeviceEventRelayOptions {
  batchSize: number;
  idlePollMs: number;
}

/**
 * Moves device events from their SQLite outbox to edge.device.event.v1, oldest first (so a device's
 * offline → online stays in order under its `tenant:serial` key), marking rows only after the broker's ack.
 * Events are few, so each is validated again on the way out: a stored event that the current contract
 * refuses is set aside (kept, visible) instead of blocking the events behind it.
 */
export class DeviceEventRelay {
  private readonly loop: RelayLoop;

  constructor(
    private readonly outbox: DeviceEventOutboxRepository,
    private readonly uplink: Uplink,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly options: DeviceEventRelayOptions,
  ) {
    this.loop = new RelayLoop(
      () => this.step(),
      (error, retryInMs) => {
        this.metrics.relayFailures.inc();
        this.logger.warn({ err: error, retryInMs }, 'device events not published; they stay buffered');
      },
      { idlePollMs: options.idlePollMs },
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Bounded: a send still in flight after `graceMs` is abandoned and its rows stay unsent (RelayLoop). */
  stop(graceMs?: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  notify(): void {
    this.loop.notify();
  }

  private async step(): Promise<RelayStepResult> {
    const rows = this.outbox.nextUnpublished(this.options.batchSize);
    if (rows.length === 0) return 'idle';
    const values = rows.map((row) => JSON.parse(row.payload) as DeviceEventV1);
    try {
      // guarded: once stop() gave up on this send, its rows must not be marked (nor the closed store touched)
      await this.loop.guard(this.uplink.publish(TOPICS.deviceEvent, values));
    } catch (error) {
      if (!(error instanceof ContractViolationError)) throw error;
      await this.publishIndividually(rows, values);
      return 'busy';
    }
    this.outbox.markPublished(rows.map((row) => row.id), new Date().toISOString());
    this.metrics.deviceEventsPublished.inc(rows.length);
    return 'busy';
  }

  private async publishIndividually(rows: OutboxDeviceEvent[], values: DeviceEventV1[]): Promise<void> {
    for (const [index, row] of rows.entries()) {
      try {
        await this.loop.guard(this.uplink.publish(TOPICS.deviceEvent, [values[index]!]));
        this.outbox.markPublished([row.id], new Date().toISOString());
        this.metrics.deviceEventsPublished.inc();
      } catch (error) {
        if (!(error instanceof ContractViolationError)) throw error;
        this.outbox.markRejected(row.id, error.message);
        this.logger.error({ outboxId: row.id, eventId: row.eventId, err: error }, 'stored device event refused by its contract; set aside');
      }
    }
  }
}

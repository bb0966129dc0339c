import { TOPICS, type GatewayCommandResultV1 } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import { RelayLoop, type RelayStepResult } from '../relay/relay-loop';
import type { GatewayCommandRepository } from './gateway-command.repository';

/** The uplink's publish (relay/uplink.ts): through the shared circuit breaker. */
export interface ResultPublisher {
  publish(contract: typeof TOPICS.gatewayCommandResult, values: readonly GatewayCommandResultV1[]): Promise<void>;
}

/**
 * Publishes command results from the SQLite outbox to edge.gateway.command-result.v1, oldest first, marking
 * them only after the broker acknowledged them. With the uplink down it backs off and keeps them, so a result
 * is never lost to an uplink blip; a re-send after a crash repeats a result, which consumers key by commandId.
 * Runs on the relays' RelayLoop, so stopping is bounded the same way: a send still in flight after the grace is
 * abandoned and its results stay unpublished (re-sent after the restart).
 */
export class CommandResultRelay {
  private readonly loop: RelayLoop;

  constructor(
    private readonly repository: GatewayCommandRepository,
    private readonly publisher: ResultPublisher,
    private readonly logger: Logger,
    private readonly options: { idlePollMs: number; maxBackoffMs?: number } = { idlePollMs: 1000 },
  ) {
    this.loop = new RelayLoop(
      () => this.step(),
      (error, retryInMs) => this.logger.warn({ err: error, retryInMs }, 'command results not published; kept and retried'),
      { idlePollMs: options.idlePollMs, minBackoffMs: 250, maxBackoffMs: options.maxBackoffMs ?? 30_000 },
    );
  }

  start(): void {
    this.loop.start();
  }

  stop(graceMs?: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  notify(): void {
    this.loop.notify();
  }

  private async step(): Promise<RelayStepResult> {
    const rows = this.repository.unpublishedResults(100);
    if (rows.length === 0) return 'idle';
    // guarded: once stop() gave up on this send, nothing is marked (and the store may be closing)
    await this.loop.guard(this.publisher.publish(TOPICS.gatewayCommandResult, rows.map((r) => r.result)));
    this.repository.markResultsPublished(rows.map((r) => r.id), new Date().toISOString());
    return 'busy';
  }
}

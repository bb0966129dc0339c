import { TOPICS, type GatewayCommandResultV1 } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { GatewayCommandRepository } from './gateway-command.repository';

/** The uplink's publish (relay/uplink.ts): through the shared circuit breaker. */
export interface ResultPublisher {
  publish(contract: typeof TOPICS.gatewayCommandResult, values: readonly GatewayCommandResultV1[]): Promise<void>;
}

/**
 * Publishes command results from the SQLite outbox to edge.gateway.command-result.v1, oldest first, marking
 * them only after the broker acknowledged them. With the uplink down it backs off and keeps them, so a result
 * is never lost to an uplink blip; a re-send after a crash repeats a result, which consumers key by commandId.
 */
export class CommandResultRelay {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly repository: GatewayCommandRepository,
    private readonly publisher: ResultPublisher,
    private readonly logger: Logger,
    private readonly options: { idlePollMs: number; maxBackoffMs?: number } = { idlePollMs: 1000 },
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const rows = this.repository.unpublishedResults(100);
      if (rows.length === 0) {
        await this.sleep(this.options.idlePollMs);
        continue;
      }
      try {
        await this.publisher.publish(TOPICS.gatewayCommandResult, rows.map((r) => r.result));
        this.repository.markResultsPublished(rows.map((r) => r.id), new Date().toISOString());
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const ceiling = Math.min(this.options.maxBackoffMs ?? 30_000, 250 * 2 ** Math.min(this.failures, 10));
        const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
        this.logger.warn({ err: error, pending: rows.length, retryInMs: delay }, 'command results not published; kept and retried');
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

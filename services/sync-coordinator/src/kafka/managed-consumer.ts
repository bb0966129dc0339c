import { BatchConsumer, type BatchConsumerOptions } from '@attendance/kafka';
import type { TopicContract } from '@attendance/contracts';
import type { HealthRegistry } from '@attendance/observability';

/** A BatchConsumer with its readiness check (running, not paused on a dependency), for one Nest provider. */
export class ManagedConsumer<C extends TopicContract> {
  private readonly consumer: BatchConsumer<C>;

  constructor(
    private readonly name: string,
    options: BatchConsumerOptions<C>,
  ) {
    this.consumer = new BatchConsumer(options);
  }

  async start(health: HealthRegistry): Promise<void> {
    health.register({
      name: this.name,
      check: () => {
        if (!this.consumer.isHealthy()) throw new Error('consumer is not running');
        const problem = this.consumer.dependencyProblem();
        if (problem) throw new Error(`paused since ${problem.at.toISOString()}: ${problem.message}`);
      },
    });
    await this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  waitForAssignment(timeoutMs?: number): Promise<void> {
    return this.consumer.waitForAssignment(timeoutMs);
  }
}

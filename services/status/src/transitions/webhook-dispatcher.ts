import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import type { DeviceHealthV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig, type WebhookTarget } from '../config/status.config';
import { StatusMetrics } from '../metrics/status-metrics';
import { StatusRedis } from '../redis/status-redis';
import { OutboxGroupReader, readerName, type OutboxEntry } from './outbox-group-reader';
import { webhookBody } from './webhook-payload';

/**
 * Alerts to webhooks. Each target reads the outbox as its own consumer group, so a receiver that is down
 * delays only its own alerts: never Kafka consumption, never the other targets. A delivery is retried with
 * exponential back-off and jitter up to STATUS_WEBHOOK_MAX_ATTEMPTS, through an opossum breaker per target
 * (while open, attempts fail fast instead of piling up sockets); after the last attempt it is dropped and
 * counted. The queue is the outbox stream, bounded by STATUS_OUTBOX_MAX_LENGTH.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly readers: OutboxGroupReader[] = [];
  private readonly abort = new AbortController();

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly redis: StatusRedis,
    private readonly metrics: StatusMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.config.STATUS_WEBHOOKS.forEach((target, index) => this.readers.push(this.readerFor(target, String(index))));
    await Promise.all(this.readers.map((r) => r.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.readers.map((r) => r.stop()));
  }

  private readerFor(target: WebhookTarget, label: string): OutboxGroupReader {
    const breaker = new CircuitBreaker((body: string) => this.post(target.url, body), {
      timeout: false, // the fetch has its own timeout
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      resetTimeout: Math.min(30_000, this.config.STATUS_WEBHOOK_RETRY_MAX_MS),
    });
    breaker.on('open', () => this.metrics.webhookBreakerOpen.set({ target: label }, 1));
    breaker.on('close', () => this.metrics.webhookBreakerOpen.set({ target: label }, 0));
    const group = `webhook-${createHash('sha256').update(`${target.format}:${target.url}`).digest('hex').slice(0, 12)}`;
    return new OutboxGroupReader({
      redis: this.redis.duplicate(),
      stream: this.redis.keys.outbox(),
      group,
      consumer: readerName(),
      // A target added later does not get a flood of old alerts.
      startAt: '$',
      batchSize: 50,
      logger: this.logger.child({ component: 'webhook', target: label }),
      handle: (entries) => this.deliverAll(entries, target, label, breaker),
    });
  }

  private async deliverAll(entries: OutboxEntry[], target: WebhookTarget, label: string, breaker: CircuitBreaker<[string], void>): Promise<void> {
    for (const entry of entries) {
      if (this.abort.signal.aborted) throw new Error('shutting down'); // not acknowledged: redelivered after a restart
      if (entry.eventJson === '') continue;
      const event = JSON.parse(entry.eventJson) as DeviceHealthV1;
      if (event.previousState === null && !this.config.STATUS_WEBHOOK_NOTIFY_FIRST) continue;
      await this.deliver(webhookBody(target.format, event), label, breaker, event);
    }
  }

  private async deliver(body: string, label: string, breaker: CircuitBreaker<[string], void>, event: DeviceHealthV1): Promise<void> {
    const { STATUS_WEBHOOK_MAX_ATTEMPTS: maxAttempts, STATUS_WEBHOOK_RETRY_INITIAL_MS: initial, STATUS_WEBHOOK_RETRY_MAX_MS: max } = this.config;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        await breaker.fire(body);
        this.metrics.webhookDeliveries.inc({ target: label, outcome: 'delivered' });
        return;
      } catch (error) {
        this.metrics.webhookDeliveries.inc({ target: label, outcome: 'failed' });
        if (attempt === maxAttempts) {
          this.metrics.webhookDeliveries.inc({ target: label, outcome: 'dropped' });
          this.logger.error({ err: error, target: label, eventId: event.eventId, attempts: attempt }, 'webhook delivery dropped after the last attempt');
          return;
        }
        const ceiling = Math.min(max, initial * 2 ** (attempt - 1));
        const delay = Math.max(initial / 2, Math.random() * ceiling);
        this.logger.warn({ err: error, target: label, attempt, delayMs: Math.round(delay) }, 'webhook delivery failed; retrying');
        try {
          await sleep(delay, undefined, { signal: this.abort.signal });
        } catch {
          throw new Error('shutting down'); // not acknowledged: the entry stays pending for after a restart
        }
      }
    }
  }

  private async post(url: string, body: string): Promise<void> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'attendance-status' },
      body,
      signal: AbortSignal.timeout(this.config.STATUS_WEBHOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  }
}

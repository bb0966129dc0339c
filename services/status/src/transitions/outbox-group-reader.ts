import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import type { Logger } from '@attendance/observability';

export interface OutboxEntry {
  id: string;
  eventJson: string;
}

export interface OutboxGroupReaderOptions {
  redis: Redis;
  stream: string;
  group: string;
  consumer: string;
  /** '0' = the group starts with everything still in the stream; '$' = only what is added from now on. */
  startAt: '0' | '$';
  /** Resolves when the entries are done with (they are acknowledged then); a throw retries them later. */
  handle: (entries: OutboxEntry[]) => Promise<void>;
  logger: Logger;
  batchSize?: number;
  /** Entries a crashed peer took and never acknowledged are taken over after this long. */
  claimIdleMs?: number;
}

/**
 * Reads the transition outbox (a Redis stream) as one consumer of a consumer group, with at-least-once
 * handling: own pending entries first (after a failure or a restart), then new ones; entries a dead replica
 * left pending are claimed after `claimIdleMs`. Uses its own connection, because XREADGROUP BLOCK holds it.
 */
export class OutboxGroupReader {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private failures = 0;

  constructor(private readonly options: OutboxGroupReaderOptions) {}

  async start(): Promise<void> {
    const { redis, stream, group, startAt } = this.options;
    try {
      await redis.xgroup('CREATE', stream, group, startAt, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    let readPending = true;
    let lastClaim = 0;
    while (!this.stopped) {
      try {
        const claimIdleMs = this.options.claimIdleMs ?? 30_000;
        if (Date.now() - lastClaim > claimIdleMs) {
          lastClaim = Date.now();
          await this.claimAbandoned(claimIdleMs);
          readPending = true;
        }
        const entries = await this.read(readPending ? '0' : '>');
        if (readPending && entries.length === 0) {
          readPending = false;
          continue;
        }
        if (entries.length === 0) continue;
        await this.options.handle(entries);
        await this.options.redis.xack(this.options.stream, this.options.group, ...entries.map((e) => e.id));
        this.failures = 0;
      } catch (error) {
        if (this.stopped) return;
        readPending = true;
        this.failures++;
        const delay = Math.min(30_000, 200 * 2 ** Math.min(this.failures, 8)) * (0.5 + Math.random() / 2);
        this.options.logger.warn({ err: error, group: this.options.group, delayMs: Math.round(delay) }, 'outbox handling failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async read(id: '0' | '>'): Promise<OutboxEntry[]> {
    const { redis, stream, group, consumer, batchSize = 500 } = this.options;
    const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', id === '>' ? 1000 : 1, 'STREAMS', stream, id)) as
      | [string, [string, string[] | null][]][]
      | null;
    return parseEntries(reply?.[0]?.[1] ?? []);
  }

  private async claimAbandoned(idleMs: number): Promise<void> {
    const { redis, stream, group, consumer } = this.options;
    await redis.xautoclaim(stream, group, consumer, idleMs, '0-0', 'COUNT', 1000);
  }
}

/** Entries whose data was trimmed away come back as null fields; they have nothing left to deliver. */
export function parseEntries(raw: [string, string[] | null][]): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const [id, fields] of raw) {
    const at = fields ? fields.indexOf('e') : -1;
    entries.push({ id, eventJson: at >= 0 ? fields![at + 1]! : '' });
  }
  return entries;
}

/** A consumer name unique per process and instance (several apps can share a process in tests). */
export function readerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

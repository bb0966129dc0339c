import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type Redis from 'ioredis';
import { Subject, type Observable } from 'rxjs';
import type { DeviceHealthV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { StatusRedis } from '../redis/status-redis';
import { parseEntries } from './outbox-group-reader';

/**
 * Every transition claimed by any replica, live, for SSE clients of this replica: reads the outbox stream
 * without a group (each replica sees all entries) from the moment it started.
 */
@Injectable()
export class TransitionFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly subject = new Subject<DeviceHealthV1>();
  private readonly connection: Redis;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly redis: StatusRedis,
  ) {
    this.connection = redis.duplicate();
  }

  get events(): Observable<DeviceHealthV1> {
    return this.subject.asObservable();
  }

  async onApplicationBootstrap(): Promise<void> {
    // The id of the newest entry now (or 0-0): XREAD with `$` in a loop could miss entries between reads.
    const newest = (await this.connection.xrevrange(this.redis.keys.outbox(), '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.loop = this.run(newest[0]?.[0] ?? '0-0');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.connection.disconnect();
    this.subject.complete();
    await this.loop;
  }

  private async run(fromId: string): Promise<void> {
    let lastId = fromId;
    while (!this.stopped) {
      try {
        const reply = (await this.connection.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.redis.keys.outbox(), lastId)) as
          | [string, [string, string[] | null][]][]
          | null;
        for (const entry of parseEntries(reply?.[0]?.[1] ?? [])) {
          lastId = entry.id;
          if (entry.eventJson) this.subject.next(JSON.parse(entry.eventJson) as DeviceHealthV1);
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error }, 'transition feed read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }
}

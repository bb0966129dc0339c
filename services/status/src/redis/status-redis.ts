import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis, { type ChainableCommander, type Result } from 'ioredis';
import { HealthRegistry, ROOT_LOGGER, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { APPLY_DEVICE_UPDATE, APPLY_MANY_DEVICE_UPDATES, CLAIM_TRANSITION } from './lua-scripts';
import { StatusKeys } from './status-keys';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** KEYS then ARGV of APPLY_DEVICE_UPDATE, flat. */
    statusApply(...keysThenArgs: string[]): Result<number, Context>;
    /** The number of KEYS, then KEYS and ARGV of APPLY_MANY_DEVICE_UPDATES, flat. */
    statusApplyMany(keyCount: number, ...keysThenArgs: string[]): Result<string[][], Context>;
    /** KEYS then ARGV of CLAIM_TRANSITION, flat. */
    statusClaim(...keysThenArgs: string[]): Result<number, Context>;
  }
}

/** The Redis connection of status, its scripts (loaded once, then run by SHA) and its key names. */
@Injectable()
export class StatusRedis implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;
  readonly keys: StatusKeys;

  constructor(
    @Inject(STATUS_CONFIG) config: StatusConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly health: HealthRegistry,
  ) {
    // NOTE: maxRetriesPerRequest bounds how long a command waits while Redis is down, so a consumer batch
    // fails (and its partition pauses and retries) instead of hanging.
    this.client = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
    this.client.on('error', (err) => logger.warn({ err }, 'redis connection error'));
    this.client.defineCommand('statusApply', { numberOfKeys: 2, lua: APPLY_DEVICE_UPDATE });
    // NOTE: no numberOfKeys: the key count (one per device of the call) is the first argument.
    this.client.defineCommand('statusApplyMany', { lua: APPLY_MANY_DEVICE_UPDATES });
    this.client.defineCommand('statusClaim', { numberOfKeys: 13, lua: CLAIM_TRANSITION });
    this.keys = new StatusKeys(config.STATUS_KEY_PREFIX);
  }

  async onModuleInit(): Promise<void> {
    await this.client.connect();
    this.health.register({ name: 'redis', check: async () => void (await this.client.ping()) });
  }

  pipeline(): ChainableCommander {
    return this.client.pipeline();
  }

  /** A second connection for blocking reads (XREAD BLOCK would stall every other command on this one). */
  duplicate(): Redis {
    return this.client.duplicate();
  }

  async onApplicationShutdown(): Promise<void> {
    this.client.disconnect();
  }
}

/** Runs a pipeline and throws the first command error (ioredis reports them per command). */
export async function execOrThrow<T = unknown>(pipeline: ChainableCommander): Promise<T[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([error, value]) => {
    if (error) throw error;
    return value as T;
  });
}

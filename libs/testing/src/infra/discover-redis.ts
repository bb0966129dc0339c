import { redactUrl } from '../../../../tools/infra/redact-url';
import { pingRedis } from '../../../../tools/infra/redis';
import { useContainers } from './container-runtime';
import { type DiscoveredService, INFRA_ENV } from './infra-env';

const REDIS_IMAGE = 'redis:7-alpine';
const LOCAL_URL = 'redis://127.0.0.1:6379';

/** Redis for integration tests: REDIS_URL, else a redis:7 container, else the server on 127.0.0.1:6379. */
export async function discoverRedis(): Promise<DiscoveredService<string>> {
  const fromEnv = process.env[INFRA_ENV.redisUrl];
  if (fromEnv) {
    await pingOrExplain(fromEnv, INFRA_ENV.redisUrl);
    return { name: 'redis', tier: 'env', value: fromEnv, detail: `${INFRA_ENV.redisUrl} → ${redactUrl(fromEnv)}` };
  }
  if (await useContainers()) return redisContainer();
  await pingOrExplain(LOCAL_URL, 'the local default');
  return { name: 'redis', tier: 'local', value: LOCAL_URL, detail: `local server → ${LOCAL_URL}` };
}

async function pingOrExplain(url: string, source: string): Promise<void> {
  try {
    await pingRedis(url);
  } catch (error) {
    throw new Error(`Redis from ${source}: ${(error as Error).message}`);
  }
}

async function redisContainer(): Promise<DiscoveredService<string>> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer(REDIS_IMAGE).start();
  const url = container.getConnectionUrl();
  return {
    name: 'redis',
    tier: 'docker',
    value: url,
    detail: `${REDIS_IMAGE} container → ${url}`,
    stop: async () => void (await container.stop()),
  };
}

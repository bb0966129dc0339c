import Redis from 'ioredis';
import { redactUrl } from './redact-url';

/**
 * Resolves when the Redis server at `url` answers PING within `timeoutMs`; otherwise throws an error that
 * says what to start. Never retries: callers decide whether to wait longer.
 */
export async function pingRedis(url: string, timeoutMs = 3_000): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null, // one attempt only
  });
  // The socket error (ECONNREFUSED, ENOTFOUND…) says more than the "Connection is closed." that the
  // connect() promise rejects with once retries are off; keep it for the message below.
  let socketError: Error | undefined;
  client.on('error', (error: Error) => (socketError ??= error));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (error) {
    const { hostname, port } = new URL(url);
    throw new Error(
      `Redis at ${hostname || 'localhost'}:${port || 6379} did not answer PING (${(socketError ?? (error as Error)).message}). ` +
        'Start a Redis 7 server there (e.g. apt install redis-server && service redis-server start), ' +
        `or point REDIS_URL at one (${redactUrl(url)} was used).`,
    );
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { aHeartbeat, aHeartbeatDevice } from './status-builders';
import { apiKey, getJson, isolatedStatusEnv, startStatus, testProducer } from './status-test-harness';

/**
 * A webhook receiver that is "down" (drops every connection without an answer) until `up()`. It keeps its
 * port the whole time: a closed port could be taken by another process on this shared machine meanwhile.
 */
async function startReceiver() {
  const bodies: { path: string; body: Record<string, unknown> }[] = [];
  let up = false;
  let dropped = 0;
  const server: Server = createServer((req, res) => {
    if (!up) {
      dropped++;
      req.socket.destroy();
      return;
    }
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: JSON.parse(raw) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    bodies,
    port: (server.address() as AddressInfo).port,
    dropped: () => dropped,
    up: () => void (up = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('status webhooks', () => {
  const tenant = `hook-${uniqueSuffix()}`;
  const key = apiKey('ops', tenant);
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let app: NestFastifyApplication;
  let url: string;
  let producer: Awaited<ReturnType<typeof testProducer>>;
  let redis: Redis;
  let prefix: string;
  let topics: ReturnType<typeof isolatedStatusEnv>['topics'];

  beforeAll(async () => {
    hook = await startReceiver();
    const port = hook.port;
    const isolated = isolatedStatusEnv({
      STATUS_API_KEYS: key.entry,
      STATUS_CLOCK_SKEW_MAX_SECONDS: '30',
      STATUS_WEBHOOKS: `json:http://127.0.0.1:${port}/json,slack:http://127.0.0.1:${port}/slack`,
      STATUS_WEBHOOK_RETRY_INITIAL_MS: '50',
      STATUS_WEBHOOK_RETRY_MAX_MS: '300',
      STATUS_WEBHOOK_MAX_ATTEMPTS: '100',
      STATUS_WEBHOOK_TIMEOUT_MS: '2000',
    });
    ({ prefix, topics } = isolated);
    ({ app, url } = await startStatus(isolated.env));
    producer = await testProducer();
    redis = new Redis(testInfra().redisUrl);
  });

  afterAll(async () => {
    await hook?.close();
    await producer?.close();
    await app?.close();
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const failedAttempts = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('status_webhook_deliveries_total{') && l.includes('outcome="failed"'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  const stateOf = async (serial: string) => ((await (await getJson(`${url}/api/v1/devices/${serial}`, key.header)).json()) as { state?: string }).state;

  it('retries a receiver that is down without holding up processing, then delivers JSON and Slack bodies', async () => {
    const gatewayId = `gw-${uniqueSuffix()}`;
    const at = () => new Date();
    const beat = (serial: string, skew: number) => {
      const now = at();
      return aHeartbeat({ tenantId: tenant, siteId: 's1', gatewayId, at: now, devices: [aHeartbeatDevice(serial, now, { clockSkewSeconds: skew })] });
    };
    await producer.publish(topics.heartbeat, [beat('HOOK-1', 0), beat('HOOK-3', 0)]);
    await waitFor(async () => (await stateOf('HOOK-1')) === 'healthy' && (await stateOf('HOOK-3')) === 'healthy', { description: 'HOOK-1 and HOOK-3 healthy', timeoutMs: 30_000 });
    expect(hook.bodies).toHaveLength(0); // a first record does not alert (STATUS_WEBHOOK_NOTIFY_FIRST=false)

    // The receiver is down (nothing listens on its port) when HOOK-1 degrades.
    await producer.publish(topics.heartbeat, [beat('HOOK-1', 300)]);
    await waitFor(async () => (await failedAttempts()) >= 4, { description: 'several failed webhook attempts', timeoutMs: 30_000 });

    // Meanwhile consumption goes on: other devices are processed while the alert is still being retried.
    await producer.publish(topics.heartbeat, [beat('HOOK-2', 0), beat('HOOK-3', 500)]);
    await waitFor(async () => (await stateOf('HOOK-2')) === 'healthy' && (await stateOf('HOOK-3')) === 'degraded', { description: 'other devices processed', timeoutMs: 30_000 });
    expect(hook.bodies).toHaveLength(0);

    expect(hook.dropped()).toBeGreaterThanOrEqual(4);
    hook.up();
    await waitFor(() => hook.bodies.filter((b) => b.path === '/json').length >= 2 && hook.bodies.filter((b) => b.path === '/slack').length >= 2, {
      description: 'both alerts at both targets',

      timeoutMs: 60_000,
    });
    const json = hook.bodies.filter((b) => b.path === '/json').map((b) => b.body.event as { deviceSerial: string; state: string; previousState: string });
    expect(json.map((e) => `${e.deviceSerial}:${e.previousState}->${e.state}`)).toEqual(['HOOK-1:healthy->degraded', 'HOOK-3:healthy->degraded']);
    const slack = hook.bodies.find((b) => b.path === '/slack')!.body as { text: string; blocks: unknown[] };
    expect(slack.text).toContain('Device HOOK-1');
    expect(slack.text).toContain('DEGRADED (was healthy)');
    expect(slack.text).toContain('device clock ahead by 300.0 s');
    expect(slack.blocks.length).toBeGreaterThan(0);

    // A recovery is announced too.
    await producer.publish(topics.heartbeat, [beat('HOOK-1', 0)]);
    await waitFor(() => hook.bodies.some((b) => b.path === '/slack' && String(b.body.text).includes('HOOK-1') && String(b.body.text).includes('recovered')), {
      description: 'recovery alert',
      timeoutMs: 30_000,
    });
  });
});

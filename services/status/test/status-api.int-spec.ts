import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { aDeviceOnlineEvent, aHeartbeat, aHeartbeatDevice, anAcceptedPunch } from './status-builders';
import { apiKey, getJson, isolatedStatusEnv, startStatus, testProducer } from './status-test-harness';

interface DeviceView {
  deviceSerial: string;
  siteId: string;
  state: string;
  lastSyncedText: string;
  counts: { punchesAccepted: number };
  lastPunchAt: string | null;
}

describe('status HTTP API', () => {
  const tenantA = `api-a-${uniqueSuffix()}`;
  const tenantB = `api-b-${uniqueSuffix()}`;
  const keyA = apiKey('ops-a', tenantA);
  const keyB = apiKey('ops-b', tenantB);
  const { env, topics, prefix } = isolatedStatusEnv({ STATUS_API_KEYS: [keyA.entry, keyB.entry].join(','), STATUS_PAGE_MAX: '50' });
  let app: NestFastifyApplication;
  let url: string;
  let producer: Awaited<ReturnType<typeof testProducer>>;
  let redis: Redis;

  const devices = (query: string, key = keyA.header) => getJson(`${url}/api/v1/devices?${query}`, key);

  beforeAll(async () => {
    ({ app, url } = await startStatus(env));
    producer = await testProducer();
    redis = new Redis(testInfra().redisUrl);
    const now = new Date();
    // Tenant A: 5 devices at site north (one of them also punching), 2 at south (one unreachable).
    // Tenant B: one device whose serial is also used by tenant A.
    await producer.publish(topics.heartbeat, [
      aHeartbeat({ tenantId: tenantA, siteId: 'north', gatewayId: `gw-n-${uniqueSuffix()}`, at: now, devices: ['N1', 'N2', 'N3', 'N4', 'SHARED'].map((s) => aHeartbeatDevice(s, now)) }),
      aHeartbeat({ tenantId: tenantA, siteId: 'south', gatewayId: `gw-s-${uniqueSuffix()}`, at: now, devices: [aHeartbeatDevice('S1', now), aHeartbeatDevice('S2', now, { reachable: false })] }),
      aHeartbeat({ tenantId: tenantB, siteId: 'north', gatewayId: `gw-b-${uniqueSuffix()}`, at: now, devices: [aHeartbeatDevice('SHARED', now)] }),
    ]);
    await producer.publish(topics.punchAccepted, [0, 1, 2].map((i) => anAcceptedPunch({ tenantId: tenantA, siteId: 'north', deviceSerial: 'N1', at: new Date(now.getTime() - i * 60_000), userId: `10${i}` })));
    await producer.publish(topics.deviceEvent, [aDeviceOnlineEvent({ tenantId: tenantA, siteId: 'north', gatewayId: 'gw-x', deviceSerial: 'N5', at: now })]);
    await waitFor(async () => ((await (await getJson(`${url}/api/v1/fleet/summary`, keyA.header)).json()) as { devices: { total: number } }).devices.total === 8, {
      description: '8 devices of tenant A',
      timeoutMs: 30_000,
    });
    await waitFor(async () => ((await (await getJson(`${url}/api/v1/devices/N1`, keyA.header)).json()) as DeviceView).counts.punchesAccepted === 3, {
      description: 'N1 punches counted',
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await producer?.close();
    await app?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('refuses requests without a valid key', async () => {
    expect((await fetch(`${url}/api/v1/fleet/summary`)).status).toBe(401);
    expect((await getJson(`${url}/api/v1/fleet/summary`, 'ops-a.wrong')).status).toBe(401);
    expect((await getJson(`${url}/api/v1/stream`, 'nobody.x')).status).toBe(401);
  });

  it('summarises the fleet per tenant and site', async () => {
    const summary = (await (await getJson(`${url}/api/v1/fleet/summary`, keyA.header)).json()) as {
      devices: { total: number; byState: Record<string, number>; sites: { siteId: string; total: number; byState: Record<string, number> }[] };
      gateways: { total: number; byState: Record<string, number> };
    };
    expect(summary.devices.byState).toMatchObject({ healthy: 7, offline: 1 });
    expect(summary.devices.sites.map((s) => [s.siteId, s.total, s.byState.offline])).toEqual([['north', 6, 0], ['south', 2, 1]]);
    expect(summary.gateways).toEqual({ total: 2, byState: { healthy: 2 } });
    const site = (await (await getJson(`${url}/api/v1/sites/south/summary`, keyA.header)).json()) as { total: number };
    expect(site.total).toBe(2);
    expect((await getJson(`${url}/api/v1/sites/nowhere/summary`, keyA.header)).status).toBe(404);
  });

  it('pages devices with filters and a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response: Response = await devices(`site=north&state=healthy&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: DeviceView[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d) => d.deviceSerial));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['N1', 'N2', 'N3', 'N4', 'N5', 'SHARED']);
    const offline = (await (await devices('state=offline')).json()) as { items: DeviceView[] };
    expect(offline.items.map((d) => d.deviceSerial)).toEqual(['S2']);
    expect((await devices('state=sick')).status).toBe(400);
    expect((await devices('limit=51')).status).toBe(400);
    expect((await devices('cursor=%%%')).status).toBe(400);
  });

  it('shows one device with its sync figures', async () => {
    const n1 = (await (await getJson(`${url}/api/v1/devices/N1`, keyA.header)).json()) as DeviceView & { recentTransitions: unknown[] };
    expect(n1.lastSyncedText).toBe('synced just now');
    expect(n1.counts.punchesAccepted).toBe(3);
    expect(n1.recentTransitions).toHaveLength(1);
  });

  it("never shows a tenant another tenant's devices", async () => {
    const b = (await (await devices('limit=50', keyB.header)).json()) as { items: DeviceView[] };
    expect(b.items.map((d) => d.deviceSerial)).toEqual(['SHARED']);
    expect((await getJson(`${url}/api/v1/devices/N1`, keyB.header)).status).toBe(404);
    const shared = (await (await getJson(`${url}/api/v1/devices/SHARED`, keyB.header)).json()) as DeviceView;
    expect(shared.counts.punchesAccepted).toBe(0);
    const summary = (await (await getJson(`${url}/api/v1/fleet/summary`, keyB.header)).json()) as { devices: { total: number } };
    expect(summary.devices.total).toBe(1);
    const gateways = (await (await getJson(`${url}/api/v1/gateways`, keyB.header)).json()) as { items: { gatewayId: string }[] };
    expect(gateways.items).toHaveLength(1);
  });

  it('streams transitions of the own tenant over SSE', async () => {
    const abortA = new AbortController();
    const streamA = await fetch(`${url}/api/v1/stream`, { headers: { 'x-api-key': keyA.header }, signal: abortA.signal });
    const abortB = new AbortController();
    const streamB = await fetch(`${url}/api/v1/stream`, { headers: { 'x-api-key': keyB.header }, signal: abortB.signal });
    expect(streamA.headers.get('content-type')).toContain('text/event-stream');
    const textA = readInto(streamA);
    const textB = readInto(streamB);
    try {
      const now = new Date();
      await producer.publish(topics.heartbeat, [aHeartbeat({ tenantId: tenantA, siteId: 'north', gatewayId: `gw-sse-${uniqueSuffix()}`, at: now, devices: [aHeartbeatDevice('SSE-1', now)] })]);
      const frame = await waitFor(() => textA.value.split('\n\n').find((f) => f.includes('"SSE-1"')), { description: 'SSE frame for SSE-1', timeoutMs: 30_000 });
      expect(frame).toContain('event: device-health');
      const data = JSON.parse(frame.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { tenantId: string; state: string; previousState: null };
      expect(data).toMatchObject({ tenantId: tenantA, state: 'healthy', previousState: null });
      expect(textB.value).not.toContain('SSE-1');
    } finally {
      abortA.abort();
      abortB.abort();
    }
  });

  it('serves its OpenAPI document and metrics', async () => {
    const doc = (await (await fetch(`${url}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/fleet/summary', '/api/v1/devices', '/api/v1/devices/{serial}', '/api/v1/gateways', '/api/v1/stream']));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`status_devices\\{tenant="${tenantA}",state="healthy",service="status"\\} \\d+`));
    expect(metrics).toContain('status_device_updates_total{topic=');
  });
});

function readInto(response: Response): { value: string } {
  const holder = { value: '' };
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) holder.value += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted at the end of the test
    }
  })();
  return holder;
}

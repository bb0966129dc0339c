import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { punchEventId } from '@attendance/contracts';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { apiKey, startIngestInProcess } from './ingest-test-harness';

describe('ingest HTTP API', () => {
  const tenantA = `api-a-${uniqueSuffix()}`;
  const tenantB = `api-b-${uniqueSuffix()}`;
  const keyA = apiKey('agent-a', tenantA);
  const keyB = apiKey('agent-b', tenantB);
  let database: IsolatedDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let pg: Client;

  beforeAll(async () => {
    database = await createIsolatedDatabase('api');
    ({ app, url } = await startIngestInProcess({
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      DATABASE_URL: database.url,
      INGEST_CONSUMER_GROUP: `ingest-api-${uniqueSuffix()}`,
      INGEST_API_KEYS: [keyA.entry, keyB.entry].join(','),
      INGEST_HTTP_BATCH_MAX: '100',
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await app?.close();
    await database?.drop();
  });

  const post = (body: unknown, key = keyA.header) =>
    fetch(`${url}/api/v1/punches/batch`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
  const get = (query: string, key = keyA.header) => fetch(`${url}/api/v1/punches?${query}`, { headers: { 'x-api-key': key } });
  const agentPunch = (i: number) => ({
    siteId: 'site-1',
    deviceSerial: 'AGENT-DEV',
    deviceUserId: `00${i % 7}`,
    localTime: `2024-03-10 0${Math.floor(i / 60) + 1}:${String(i % 60).padStart(2, '0')}:00`,
    timeZone: 'America/New_York',
    direction: 'in',
  });

  it('refuses requests without a valid API key', async () => {
    expect((await fetch(`${url}/api/v1/punches/batch`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect((await post({ punches: [agentPunch(1)] }, 'agent-a.wrong-secret')).status).toBe(401);
    expect((await post({ punches: [agentPunch(1)] }, 'nobody.secret')).status).toBe(401);
  });

  it('answers an invalid envelope with 400 and names the problem', async () => {
    const response = await post({ punches: [] });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: { path: string }[] };
    expect(body.issues[0]!.path).toBe('punches');
    expect((await post({ punches: Array.from({ length: 101 }, (_, i) => agentPunch(i)) })).status).toBe(400);
  });

  it('accepts valid records, rejects invalid ones one by one, and stores each punch once even when resent', async () => {
    const records = [agentPunch(1), { ...agentPunch(2), timeZone: 'Mars/Olympus' }, agentPunch(3), { ...agentPunch(4), extra: true }, agentPunch(5)];
    const response = await post({ punches: records });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { accepted: number; rejected: number; results: { index: number; status: string; eventId?: string; errors?: { path: string }[] }[] };
    expect(body).toMatchObject({ accepted: 3, rejected: 2 });
    expect(body.results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'accepted', 'rejected', 'accepted']);
    expect(body.results[1]!.errors![0]!.path).toBe('timeZone');
    expect(body.results[0]!.eventId).toBe(punchEventId({ tenantId: tenantA, deviceSerial: 'AGENT-DEV', deviceUserId: '001', localTime: '2024-03-10T01:01:00' }));

    expect((await post({ punches: records })).status).toBe(200); // resent by a nervous agent
    await waitFor(async () => (await pg.query('SELECT COUNT(*)::int AS n FROM ingest.punches WHERE tenant_id = $1', [tenantA])).rows[0].n === 3, {
      description: '3 agent punches stored',
      timeoutMs: 60_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { rows } = await pg.query("SELECT source, protocol, gateway_id, to_char(punched_at at time zone 'UTC', 'HH24:MI') AS utc FROM ingest.punches WHERE tenant_id = $1 ORDER BY punched_at", [tenantA]);
    expect(rows).toHaveLength(3);
    // 2024-03-10 01:01 in New York is EST (UTC-5); the DST gap starts at 02:00 that night.
    expect(rows[0]).toEqual({ source: 'agent', protocol: 'agent', gateway_id: 'agent-agent-a', utc: '06:01' });
  });

  it('pages through stored punches with a cursor, in time order, scoped to the key\'s tenant', async () => {
    const records = Array.from({ length: 25 }, (_, i) => agentPunch(10 + i));
    expect((await post({ punches: records })).status).toBe(200);
    await waitFor(async () => (await pg.query('SELECT COUNT(*)::int AS n FROM ingest.punches WHERE tenant_id = $1', [tenantA])).rows[0].n === 28, {
      description: '28 punches stored',
      timeoutMs: 60_000,
    });
    const window = 'from=2024-03-10T00:00:00Z&to=2024-03-11T00:00:00Z';
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response: Response = await get(`${window}&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: { eventId: string; punchedAt: string; tenantId: string }[]; nextCursor: string | null };
      seen.push(...page.items.map((i) => i.punchedAt));
      expect(page.items.every((i) => i.tenantId === tenantA)).toBe(true);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(28);
    expect([...seen].sort()).toEqual(seen);

    const employee = (await (await get(`${window}&employee=003`)).json()) as { items: { deviceUserId: string }[] };
    expect(employee.items.length).toBeGreaterThan(0);
    expect(employee.items.every((i) => i.deviceUserId === '003')).toBe(true);
    const other = (await (await get(window, keyB.header)).json()) as { items: unknown[] };
    expect(other.items).toEqual([]);
  });

  it('answers bad queries with 400', async () => {
    expect((await get('from=2024-03-10T00:00:00Z')).status).toBe(400);
    expect((await get('from=2024-03-10T00:00:00Z&to=2024-01-01T00:00:00Z')).status).toBe(400);
    expect((await get('from=2024-01-01T00:00:00Z&to=2024-12-31T00:00:00Z')).status).toBe(400);
    expect((await get('from=2024-03-10T00:00:00Z&to=2024-03-11T00:00:00Z&cursor=garbage')).status).toBe(400);
  });

  it('serves its OpenAPI document', async () => {
    const document = (await (await fetch(`${url}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/punches/batch', '/api/v1/punches']));
    expect((await fetch(`${url}/api/docs`)).status).toBe(200);
  });
});

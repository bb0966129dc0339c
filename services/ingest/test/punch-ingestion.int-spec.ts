import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import type { Registry } from 'prom-client';
import { dlqTopicName, KAFKA_HEADERS, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, silentKafkaLogger } from '@attendance/kafka';
import { METRICS_REGISTRY } from '@attendance/observability';
import {
  collectTopic,
  createIsolatedDatabase,
  rawPunchSeries,
  startTcpProxy,
  testInfra,
  uniqueSuffix,
  waitFor,
  type CollectedMessage,
  type IsolatedDatabase,
  type TcpProxy,
} from '@attendance/testing';
import { startIngestInProcess } from './ingest-test-harness';

describe('ingest against real Kafka and Postgres', () => {
  let database: IsolatedDatabase;
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let url: string;
  let pg: Client;
  let producer: ContractProducer;
  let accepted: { messages: CollectedMessage[]; stop(): Promise<void> };
  let dlq: { messages: CollectedMessage[]; stop(): Promise<void> };

  beforeAll(async () => {
    const infra = testInfra();
    database = await createIsolatedDatabase('ingest');
    // ingest reaches Postgres through a proxy we can cut, to take the database away from it alone.
    const target = new URL(database.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    ({ app, url } = await startIngestInProcess({
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: viaProxy.toString(),
      INGEST_CONSUMER_GROUP: `ingest-${uniqueSuffix()}`,
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    const kafka = createKafkaClient({ brokers: infra.kafkaBrokers, clientId: 'ingest-test', ssl: false }, silentKafkaLogger);
    producer = new ContractProducer(kafka, { source: '/test', logger: silentKafkaLogger });
    await producer.connect();
    accepted = await collectTopic(TOPICS.punchAccepted.name);
    dlq = await collectTopic(dlqTopicName(TOPICS.punchRaw.name));
  });

  afterAll(async () => {
    await accepted?.stop();
    await dlq?.stop();
    await producer?.disconnect();
    await app?.close();
    await pg?.end();
    await proxy?.close();
    await database?.drop();
  });

  const rowsOf = async (tenantId: string) =>
    (await pg.query('SELECT event_id FROM ingest.punches WHERE tenant_id = $1', [tenantId])).rows.map((r) => r.event_id as string);
  const acceptedOf = (tenantId: string) =>
    accepted.messages.filter((m) => m.key?.startsWith(`${tenantId}:`)).map((m) => JSON.parse(m.value!) as { eventId: string; acceptedAt: string; firstSeenAt: string });
  const metric = async (name: string) => {
    const registry = app.get<Registry>(METRICS_REGISTRY);
    const value = (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
    return value ?? 0;
  };

  it('stores one row and emits one accepted event per punch, across resent batches and partitions', async () => {
    const tenantId = `dup-${uniqueSuffix()}`;
    const punches = rawPunchSeries({ tenantId, deviceSerial: 'DEV-A' }, 30);
    const duplicatesBefore = await metric('ingest_punches_duplicate_total');

    await producer.publish(TOPICS.punchRaw, punches);
    // The same punches again, twice: once as a resent batch (same keys), once forced into every partition,
    // as if another gateway had keyed them differently. Consumed concurrently (3 partitions).
    await producer.publish(TOPICS.punchRaw, punches);
    const raw = punches.map((p) => JSON.stringify(p));
    for (const partition of [0, 1, 2]) {
      await producer.sendRaw(TOPICS.punchRaw.name, raw.map((value, i) => ({ key: `${tenantId}:x${i}`, value, partition })));
    }

    await waitFor(async () => (await metric('ingest_punches_duplicate_total')) - duplicatesBefore >= 30 * 4, {
      description: 'all 150 copies consumed',
      timeoutMs: 60_000,
    });
    await waitFor(() => acceptedOf(tenantId).length >= 30, { description: '30 accepted events', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // room for a wrong extra event to show up

    const rows = await rowsOf(tenantId);
    expect(rows.sort()).toEqual(punches.map((p) => p.eventId).sort());
    const events = acceptedOf(tenantId);
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(30);
    expect(events[0]).toMatchObject({ tenantId, source: 'push' });
    expect(Date.parse(events[0]!.acceptedAt)).toBeGreaterThan(0);
  });

  it('dead-letters poison with its reason and keeps going', async () => {
    const tenantId = `poison-${uniqueSuffix()}`;
    const [good] = rawPunchSeries({ tenantId, deviceSerial: 'DEV-P' }, 1);
    const forged: PunchRawV1 = { ...good!, deviceUserId: 'someone-else' }; // eventId no longer matches the identity
    await producer.sendRaw(TOPICS.punchRaw.name, [
      { key: `${tenantId}:DEV-P`, value: '{"this is": not json' },
      { key: `${tenantId}:DEV-P`, value: JSON.stringify(forged) },
      { key: `${tenantId}:DEV-P`, value: JSON.stringify(good) },
    ]);

    await waitFor(async () => (await rowsOf(tenantId)).length === 1, { description: 'the valid punch stored', timeoutMs: 60_000 });
    const dead = await waitFor(() => {
      const mine = dlq.messages.filter((m) => m.key === `${tenantId}:DEV-P`);
      return mine.length >= 2 ? mine : null;
    }, { description: 'two dead letters', timeoutMs: 30_000 });
    expect(dead.map((m) => m.headers[KAFKA_HEADERS.dlqErrorClass])).toEqual(['invalid-json', 'contract-violation']);
    expect(dead[1]!.headers[KAFKA_HEADERS.dlqErrorMessage]).toMatch(/eventId/);
    expect(dead[0]!.value).toBe('{"this is": not json');
  });

  it('pauses while Postgres is unreachable and loses nothing when it comes back', async () => {
    const tenantId = `outage-${uniqueSuffix()}`;
    const punches = rawPunchSeries({ tenantId, deviceSerial: 'DEV-O' }, 200);
    proxy.cut();
    try {
      await producer.publish(TOPICS.punchRaw, punches.slice(0, 100));
      const ready = await waitFor(async () => {
        const response = await fetch(`${url}/health/ready`);
        return response.status === 503 ? ((await response.json()) as { checks: { name: string; status: string }[] }) : null;
      }, { description: 'readiness to report Postgres down', timeoutMs: 30_000 });
      expect(ready.checks.find((c) => c.name === 'postgres')?.status).toBe('down');
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(await rowsOf(tenantId)).toEqual([]);
      await producer.publish(TOPICS.punchRaw, punches.slice(100));
    } finally {
      proxy.restore();
    }

    await waitFor(async () => (await rowsOf(tenantId)).length === 200, { description: 'all 200 punches after recovery', timeoutMs: 90_000 });
    await waitFor(() => acceptedOf(tenantId).length >= 200, { description: '200 accepted events', timeoutMs: 30_000 });
    expect(new Set(acceptedOf(tenantId).map((e) => e.eventId)).size).toBe(200);
    expect(dlq.messages.filter((m) => m.key?.startsWith(`${tenantId}:`))).toEqual([]);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
  });

  it('pauses rather than dead-letters when the schema does not match the code (a deployment error)', async () => {
    const tenantId = `schema-${uniqueSuffix()}`;
    const punches = rawPunchSeries({ tenantId, deviceSerial: 'DEV-S' }, 20);
    await pg.query('ALTER TABLE ingest.punches RENAME COLUMN raw TO raw_renamed_by_a_bad_deploy');
    try {
      await producer.publish(TOPICS.punchRaw, punches);
      const ready = await waitFor(async () => {
        const response = await fetch(`${url}/health/ready`);
        const body = (await response.json()) as { checks: { name: string; status: string; error?: string }[] };
        const consumer = body.checks.find((c) => c.name === 'punch-consumer');
        return response.status === 503 && consumer?.status === 'down' ? consumer : null;
      }, { description: 'readiness to report the paused consumer', timeoutMs: 30_000 });
      expect(ready.error).toMatch(/42703/);
      expect(dlq.messages.filter((m) => m.key?.startsWith(`${tenantId}:`))).toEqual([]);
    } finally {
      await pg.query('ALTER TABLE ingest.punches RENAME COLUMN raw_renamed_by_a_bad_deploy TO raw');
    }
    await waitFor(async () => (await rowsOf(tenantId)).length === 20, { description: 'all 20 punches after the fix', timeoutMs: 90_000 });
    expect(dlq.messages.filter((m) => m.key?.startsWith(`${tenantId}:`))).toEqual([]);
  });
});

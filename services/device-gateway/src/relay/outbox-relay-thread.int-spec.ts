import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { KAFKA_HEADERS, PunchRawV1Schema, TOPICS } from '@attendance/contracts';
import { ContractProducer, ensureTopics, silentKafkaLogger, WorkerThreadProducer } from '@attendance/kafka';
import { createRootLogger } from '@attendance/observability';
import { collectTopic, rawPunchSeries, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { GatewayMetrics } from '../health/gateway-metrics';
import { EdgeStore } from '../store/edge-store';
import { OutboxRelay } from './outbox-relay';
import { Uplink } from './uplink';

const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'error' });

/** The relay with its sends on a producer thread (Uplink's serializedProducer), as the gateway runs it. */
describe('punch relay through the producer thread', () => {
  let dir: string;
  let store: EdgeStore;
  let tenantId: string;

  beforeAll(async () => {
    await ensureTopics(new Kafka({ clientId: 'relay-thread-topics', brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING }), [TOPICS.punchRaw.name]);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-relay-thread-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    store.db.pragma('foreign_keys = OFF');
    tenantId = `relay-thread-${uniqueSuffix()}`;
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function fill(serials: string[], perDevice: number): Map<string, string[]> {
    const sent = new Map<string, string[]>();
    const series = serials.map((deviceSerial) => rawPunchSeries({ tenantId, deviceSerial }, perDevice));
    store.transaction(() => {
      // interleaved like devices buffering side by side
      for (let i = 0; i < perDevice; i++) {
        for (const punches of series) {
          const punch = punches[i]!;
          store.outbox.insert({ eventId: punch.eventId, deviceSerial: punch.deviceSerial, rawRequestId: 0, payload: JSON.stringify(punch), createdAt: new Date().toISOString() });
          sent.set(punch.deviceSerial, [...(sent.get(punch.deviceSerial) ?? []), punch.eventId]);
        }
      }
    });
    return sent;
  }

  it('drains everything in per-device order with ce_id headers, marking rows only after the broker ack, and never through the main-thread producer', async () => {
    const sent = fill(['THR1', 'THR2', 'THR3'], 700);
    const contractProducer = new ContractProducer(new Kafka({ clientId: `gw-thread-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING }), { source: '/device-gateway/gw-1', logger });
    const mainThreadSends: number[] = [];
    const publishOnMain = contractProducer.publishSerialized.bind(contractProducer);
    contractProducer.publishSerialized = (contract, items, options) => {
      mainThreadSends.push(items.length);
      return publishOnMain(contract, items, options);
    };
    const thread = new WorkerThreadProducer({ connection: { brokers: testInfra().kafkaBrokers, clientId: `gw-thread-${uniqueSuffix()}`, ssl: false }, source: '/device-gateway/gw-1', logger });
    const uplink = new Uplink(contractProducer, logger, { serializedProducer: thread });
    // A send's rows must be unmarked when it starts and still unmarked at the moment the broker's ack arrives
    // (this continuation runs before the relay's): marked only after the ack.
    const markedBeforeAck: number[] = [];
    const observed = Object.assign(Object.create(uplink) as Uplink, {
      publishSerialized: (contract: typeof TOPICS.punchRaw, items: { key: string; json: string; id: string }[]) => {
        const ids = items.map((item) => item.id);
        const marked = () =>
          (store.db.prepare(`SELECT COUNT(*) AS n FROM punch_outbox WHERE published_at IS NOT NULL AND event_id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number }).n;
        markedBeforeAck.push(marked());
        return uplink.publishSerialized(contract, items).then(() => void markedBeforeAck.push(marked()));
      },
    });
    const collector = await collectTopic(TOPICS.punchRaw.name);
    const relay = new OutboxRelay(store, observed, new GatewayMetrics(new Registry(), store), logger, { batchSize: 200, idlePollMs: 50, tenantId });
    try {
      relay.start();
      await waitFor(() => store.outbox.backlog().count === 0, { description: 'the outbox drained', timeoutMs: 120_000 });
      const mine = () => collector.messages.filter((m) => m.key?.startsWith(`${tenantId}:`));
      await waitFor(() => mine().length >= 2100, { description: '2,100 punches on Kafka', timeoutMs: 60_000 });
      for (const [serial, eventIds] of sent) {
        const ofDevice = mine().filter((m) => m.key === `${tenantId}:${serial}`);
        expect(ofDevice.map((m) => PunchRawV1Schema.parse(JSON.parse(m.value!)).eventId)).toEqual(eventIds);
        expect(ofDevice.map((m) => m.headers[KAFKA_HEADERS.ceId])).toEqual(eventIds);
      }
    } finally {
      await relay.stop();
      uplink.shutdown();
      await collector.stop();
      await contractProducer.disconnect().catch(() => undefined);
    }
    expect(markedBeforeAck.length).toBeGreaterThan(20);
    expect(markedBeforeAck.every((n) => n === 0)).toBe(true);
    expect(mainThreadSends).toEqual([]);
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE published_at IS NOT NULL').get() as { n: number }).n).toBe(2100);
  });

  it('keeps every row unsent and opens the breaker when the thread cannot reach a broker', async () => {
    fill(['GONE1', 'GONE2'], 50);
    const contractProducer = new ContractProducer(new Kafka({ clientId: `gw-thread-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING }), { source: '/device-gateway/gw-1', logger });
    // a port nobody listens on, with fast retries
    const thread = new WorkerThreadProducer({
      connection: { brokers: ['127.0.0.1:1'], clientId: `gw-thread-${uniqueSuffix()}`, ssl: false },
      source: '/device-gateway/gw-1',
      logger: silentKafkaLogger,
      retry: { retries: 0, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const uplink = new Uplink(contractProducer, logger, { serializedProducer: thread, volumeThreshold: 2, resetTimeoutMs: 60_000 });
    const relay = new OutboxRelay(store, uplink, new GatewayMetrics(new Registry(), store), logger, { batchSize: 40, idlePollMs: 50, tenantId, maxBackoffMs: 200 });
    try {
      relay.start();
      await waitFor(() => uplink.state().state === 'down', { description: 'the uplink breaker to open', timeoutMs: 60_000 });
    } finally {
      await relay.stop();
      uplink.shutdown();
    }
    expect(store.outbox.backlog().count).toBe(100);
    expect(uplink.state().lastError).not.toBeNull();
  });
});

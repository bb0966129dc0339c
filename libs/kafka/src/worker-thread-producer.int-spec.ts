import { createServer, type Server } from 'node:net';
import { Partitioners, type Kafka } from 'kafkajs';
import { z } from 'zod';
import { CLOUDEVENTS_SPEC_VERSION, defineTopic, JSON_CONTENT_TYPE, KAFKA_HEADERS } from '@attendance/contracts';
import { collectTopic, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { createKafkaClient, ensureTopics, isRetriableError, silentKafkaLogger, WorkerThreadProducer, type KafkaLogger, type WorkerThreadProducerOptions } from './index';

function letters(): string {
  return Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

const ItemSchema = z.object({ id: z.string(), n: z.number().int() });
type Item = z.infer<typeof ItemSchema>;

function testTopic() {
  return defineTopic({
    // Letters only: topic names must match <domain>.<event>.v<N>.
    name: `test.thread-producer-${uniqueSuffix().replace(/[^a-z]/g, '')}${letters()}.v1`,
    version: 1,
    description: 'test',
    schema: ItemSchema,
    key: (v: Item) => `k${v.n % 7}`,
    keyDescription: 'n mod 7',
    producers: [],
    consumers: [],
  });
}

const serialized = (items: Item[], contract: ReturnType<typeof testTopic>) =>
  items.map((item) => ({ key: contract.key(item), json: JSON.stringify(item), id: item.id }));

describe(WorkerThreadProducer.name, () => {
  let kafka: Kafka;
  const producers: WorkerThreadProducer[] = [];

  beforeAll(() => {
    kafka = createKafkaClient({ brokers: testInfra().kafkaBrokers, clientId: 'thread-producer-test', ssl: false }, silentKafkaLogger);
  });

  afterEach(async () => {
    await Promise.all(producers.splice(0).map((p) => p.disconnect()));
  });

  function newProducer(brokers = testInfra().kafkaBrokers, logger: KafkaLogger = silentKafkaLogger, retry?: WorkerThreadProducerOptions['retry']) {
    const producer = new WorkerThreadProducer({
      connection: { brokers, clientId: 'thread-producer-test', ssl: false },
      source: '/test',
      logger,
      ...(retry ? { retry } : {}),
    });
    producers.push(producer);
    return producer;
  }

  it('publishes every value with its key and CloudEvents headers, and resolves only after the broker ack', async () => {
    const topic = testTopic();
    await ensureTopics(kafka, [topic.name], { numPartitions: 3 });
    const collector = await collectTopic(topic.name);
    try {
      const producer = newProducer();
      await producer.connect();
      expect(producer.isConnected()).toBe(true);
      // The bytes below went through the thread's fast record encoders, not stock kafkajs.
      expect(producer.usesFastEncoding()).toBe(true);
      // Some values with multi-byte characters: the thread gets all values as one UTF-8 buffer and cuts it.
      const items = Array.from({ length: 50 }, (_, n) => ({ id: `id-${n}${n % 3 === 0 ? '-é✓😀' : ''}`, n }));
      await producer.publishSerialized(topic, serialized(items, topic));
      // Acknowledged means written: the high watermarks already count every message.
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic.name).finally(() => admin.disconnect());
      expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(50);

      await waitFor(() => collector.messages.length >= 50, { description: '50 messages', timeoutMs: 30_000 });
      const byId = new Map(collector.messages.map((m) => [m.headers[KAFKA_HEADERS.ceId], m]));
      expect(byId.size).toBe(50);
      // Keys land where kafkajs's (Java-compatible) DefaultPartitioner puts them, as for every other producer.
      const stockPartitioner = Partitioners.DefaultPartitioner();
      const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
      for (const item of items) {
        const message = byId.get(item.id)!;
        expect(message.key).toBe(topic.key(item));
        expect(message.partition).toBe(stockPartitioner({ topic: topic.name, partitionMetadata, message: { key: topic.key(item), value: null } }));
        expect(JSON.parse(message.value!)).toEqual(item);
        expect(message.headers).toMatchObject({
          [KAFKA_HEADERS.ceType]: topic.name,
          [KAFKA_HEADERS.ceSource]: '/test',
          [KAFKA_HEADERS.ceSpecVersion]: CLOUDEVENTS_SPEC_VERSION,
          [KAFKA_HEADERS.contentType]: JSON_CONTENT_TYPE,
        });
        expect(Number.isNaN(Date.parse(message.headers[KAFKA_HEADERS.ceTime]!))).toBe(false);
      }
    } finally {
      await collector.stop();
    }
  });

  it('delivers concurrent publishes (the thread coalesces them) sliced under the broker limit, in per-key order', async () => {
    const topic = testTopic();
    await ensureTopics(kafka, [topic.name], { numPartitions: 2 });
    const collector = await collectTopic(topic.name);
    try {
      const producer = newProducer();
      await producer.connect();
      const padding = 'x'.repeat(2000); // 10 publishes of 300 × ~2 KB: 6 MB in all, far over one 512 KB send
      const publishes = Array.from({ length: 10 }, (_, p) => Array.from({ length: 300 }, (_, i) => ({ id: `p${p}-${i}`, n: p * 300 + i })));
      await Promise.all(
        publishes.map((items) =>
          producer.publishSerialized(topic, items.map((item) => ({ key: topic.key(item), json: JSON.stringify({ ...item, padding }), id: item.id }))),
        ),
      );

      await waitFor(() => collector.messages.length >= 3000, { description: '3000 messages', timeoutMs: 60_000 });
      expect(new Set(collector.messages.map((m) => m.headers[KAFKA_HEADERS.ceId])).size).toBe(3000);
      // Within one publish, the messages of a key arrive in the order they were given.
      for (let p = 0; p < publishes.length; p++) {
        const ofPublish = collector.messages.map((m) => JSON.parse(m.value!) as Item).filter((v) => Math.floor(v.n / 300) === p);
        for (let k = 0; k < 7; k++) {
          const ns = ofPublish.filter((v) => v.n % 7 === k).map((v) => v.n);
          expect(ns).toEqual([...ns].sort((a, b) => a - b));
        }
      }
    } finally {
      await collector.stop();
    }
  });

  it('fails with a retriable error when the broker cannot be reached, and forwards kafkajs logs', async () => {
    // A port nobody listens on (bound, then closed): every connection is refused.
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const warnings: string[] = [];
    const logger = { ...silentKafkaLogger, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };
    const producer = newProducer([`127.0.0.1:${port}`], logger, { retries: 1, initialRetryTime: 100, maxRetryTime: 200 });

    const failure = await producer.connect().then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toMatch(/^KafkaJS/);
    expect(isRetriableError(failure)).toBe(true);
    expect(producer.isConnected()).toBe(false);
    expect(warnings.length).toBeGreaterThan(0);
    // A publish after a failed start tries again (a new thread), and fails the same way instead of hanging.
    const topic = testTopic();
    const again = await producer.publishSerialized(topic, serialized([{ id: 'a', n: 1 }], topic)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isRetriableError(again)).toBe(true);
  }, 60_000);
});

import type { Kafka } from 'kafkajs';
import { z } from 'zod';
import { defineTopic, dlqTopicName, KAFKA_HEADERS } from '@attendance/contracts';
import { testInfra, waitFor } from '@attendance/testing';
import {
  BatchConsumer,
  ContractProducer,
  createKafkaClient,
  DependencyUnavailableError,
  ensureTopics,
  headersToStrings,
  silentKafkaLogger,
  type ConsumedMessage,
  type DeferredCompletion,
} from './index';

const ItemSchema = z.object({ id: z.string(), n: z.number().int() });
type Item = z.infer<typeof ItemSchema>;

function letters(): string {
  return Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

/** A throwaway topic per test, so tests never see each other's messages on the shared broker. */
function testTopic() {
  const name = `test.batch-${letters()}.v1`;
  return defineTopic({
    name,
    version: 1,
    description: 'test',
    schema: ItemSchema,
    key: (v: Item) => v.id,
    keyDescription: 'id',
    producers: [],
    consumers: [],
  });
}

// Every behaviour holds with the handler awaited before kafkajs fetches on, and with it overlapping the next fetch.
describe.each([false, true])(`${BatchConsumer.name} (overlapFetchWithHandler: %s)`, (overlapFetchWithHandler) => {
  let kafka: Kafka;
  let producer: ContractProducer;
  const consumers: BatchConsumer<ReturnType<typeof testTopic>>[] = [];

  beforeAll(async () => {
    kafka = createKafkaClient({ brokers: testInfra().kafkaBrokers, clientId: 'batch-consumer-test', ssl: false }, silentKafkaLogger);
    producer = new ContractProducer(kafka, { source: '/test', logger: silentKafkaLogger });
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  async function setUp(
    handler: (messages: ConsumedMessage<Item>[]) => Promise<void | DeferredCompletion>,
    retry = { initialMs: 50, maxMs: 200 },
    maxBatchSize?: number,
  ) {
    const topic = testTopic();
    await ensureTopics(kafka, [topic.name, dlqTopicName(topic.name)], { numPartitions: 1 });
    const groupId = `group-${letters()}`;
    const consumer = new BatchConsumer({
      kafka,
      groupId,
      contract: topic,
      handler,
      dlqProducer: producer,
      logger: silentKafkaLogger,
      retry,
      overlapFetchWithHandler,
      ...(maxBatchSize ? { maxBatchSize } : {}),
    });
    consumers.push(consumer);
    return { topic, groupId, consumer };
  }

  async function committedOffset(topic: string, groupId: string): Promise<string> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return entry!.partitions[0]!.offset;
    } finally {
      await admin.disconnect();
    }
  }

  async function readAll(topic: string, expected: number) {
    const reader = kafka.consumer({ groupId: `reader-${letters()}` });
    const seen: { value: string | null; headers: Record<string, string> }[] = [];
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void seen.push({ value: message.value?.toString() ?? null, headers: headersToStrings(message.headers) }) });
    try {
      await waitFor(() => seen.length >= expected, { description: `${expected} messages on ${topic}`, timeoutMs: 30_000 });
      return seen;
    } finally {
      await reader.disconnect();
    }
  }

  it('dead-letters poison with its original bytes and error headers, and the rest of the batch proceeds', async () => {
    const handled: Item[] = [];
    const { topic, groupId, consumer } = await setUp(async (messages) => void handled.push(...messages.map((m) => m.value)));
    await producer.sendRaw(topic.name, [
      { key: 'a', value: JSON.stringify({ id: 'a', n: 1 }) },
      { key: 'x', value: 'this is not json' },
      { key: 'b', value: JSON.stringify({ id: 'b' }) },
      { key: 'c', value: JSON.stringify({ id: 'c', n: 3 }) },
    ]);
    await consumer.start();

    await waitFor(() => handled.length === 2, { description: 'two valid messages handled', timeoutMs: 30_000 });
    expect(handled).toEqual([{ id: 'a', n: 1 }, { id: 'c', n: 3 }]);
    const dlq = await readAll(dlqTopicName(topic.name), 2);
    expect(dlq.map((m) => [m.value, m.headers[KAFKA_HEADERS.dlqErrorClass], m.headers[KAFKA_HEADERS.dlqOriginalOffset]])).toEqual([
      ['this is not json', 'invalid-json', '1'],
      [JSON.stringify({ id: 'b' }), 'contract-violation', '2'],
    ]);
    expect(dlq[1]!.headers[KAFKA_HEADERS.dlqErrorMessage]).toMatch(/n/);
    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '4', { description: 'offset 4 committed', timeoutMs: 15_000 });
  });

  it('isolates a message its handler rejects: only that one goes to the DLQ', async () => {
    const handled: Item[] = [];
    const { topic, consumer } = await setUp(async (messages) => {
      // All or nothing, like a database transaction: a rejected message means no effect at all.
      if (messages.some((m) => m.value.n === 13)) throw new Error('unlucky number refused');
      handled.push(...messages.map((m) => m.value));
    });
    await producer.publish(topic, [{ id: 'a', n: 1 }, { id: 'b', n: 13 }, { id: 'c', n: 3 }]);
    await consumer.start();

    await waitFor(() => handled.length === 2, { description: 'the two acceptable messages', timeoutMs: 30_000 });
    expect(handled).toEqual([{ id: 'a', n: 1 }, { id: 'c', n: 3 }]);
    const [dead] = await readAll(dlqTopicName(topic.name), 1);
    expect(dead!.headers[KAFKA_HEADERS.dlqErrorMessage]).toBe('unlucky number refused');
    expect(dead!.headers[KAFKA_HEADERS.ceType]).toBe(topic.name);
  });

  it('pauses and retries while a dependency is down, committing nothing, then delivers everything once in order', async () => {
    let failuresLeft = 4;
    let attempts = 0;
    const handled: Item[] = [];
    const { topic, groupId, consumer } = await setUp(async (messages) => {
      attempts++;
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new DependencyUnavailableError('postgres');
      }
      handled.push(...messages.map((m) => m.value));
    });
    const items = Array.from({ length: 20 }, (_, i) => ({ id: `k${i % 3}`, n: i }));
    await producer.publish(topic, items);
    await consumer.start();

    await waitFor(() => attempts >= 2, { description: 'a first retry', timeoutMs: 30_000 });
    expect(handled).toEqual([]);
    expect(await committedOffset(topic.name, groupId)).toBe('-1');
    expect(consumer.dependencyProblem()?.message).toMatch(/postgres is unavailable/);

    await waitFor(() => handled.length === 20, { description: 'all 20 messages after recovery', timeoutMs: 30_000 });
    expect(handled).toEqual(items);
    expect(attempts).toBeGreaterThanOrEqual(5);
    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '20', { description: 'offset 20 committed', timeoutMs: 15_000 });
    expect(consumer.dependencyProblem()).toBeNull();
    expect(consumer.isHealthy()).toBe(true);
  });

  it('commits an offset only after the handler has finished', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const { topic, groupId, consumer } = await setUp(async () => {
      entered = true;
      await gate;
    });
    await producer.publish(topic, [{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    await consumer.start();

    await waitFor(() => entered, { description: 'the handler to start', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await committedOffset(topic.name, groupId)).toBe('-1');
    release();
    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '2', { description: 'offset 2 committed', timeoutMs: 15_000 });
  });

  it('with a deferred completion, handles the next batch meanwhile and commits each batch only after its completion', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls: string[][] = [];
    const { topic, groupId, consumer } = await setUp(
      async (messages) => {
        calls.push(messages.map((m) => m.value.id));
        return { completion: calls.length === 1 ? gate : Promise.resolve() };
      },
      undefined,
      2,
    );
    await producer.publish(topic, ['a', 'b', 'c', 'd', 'e', 'f'].map((id, n) => ({ id, n })));
    await consumer.start();

    // The second batch is handled while the first one's completion is still open; nothing is committed.
    await waitFor(() => calls.length >= 2, { description: 'the second batch to be handled', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(calls).toEqual([['a', 'b'], ['c', 'd']]); // one batch of overlap, no more
    expect(await committedOffset(topic.name, groupId)).toBe('-1');
    release();
    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '6', { description: 'offset 6 committed', timeoutMs: 15_000 });
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
  });

  it('rewinds to a batch whose deferred completion failed and delivers it and the batches after it again', async () => {
    const calls: string[][] = [];
    let failed = false;
    const { topic, groupId, consumer } = await setUp(
      async (messages) => {
        const ids = messages.map((m) => m.value.id);
        calls.push(ids);
        if (ids[0] === 'c' && !failed) {
          failed = true;
          // Like a publish that fails after the batch's rows were committed.
          return { completion: new Promise<void>((_, reject) => setTimeout(() => reject(new DependencyUnavailableError('kafka')), 200)) };
        }
        return { completion: Promise.resolve() };
      },
      undefined,
      2,
    );
    await producer.publish(topic, ['a', 'b', 'c', 'd', 'e', 'f'].map((id, n) => ({ id, n })));
    await consumer.start();

    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '6', { description: 'offset 6 committed', timeoutMs: 30_000 });
    expect(failed).toBe(true);
    const handledTimes = (id: string) => calls.filter((ids) => ids.includes(id)).length;
    // 'a' and 'b' were committed before the failure and never come back; 'c' and 'd' do, in order.
    expect(handledTimes('a')).toBe(1);
    expect(handledTimes('c')).toBe(2);
    expect(calls.flat().lastIndexOf('c')).toBeLessThan(calls.flat().lastIndexOf('e'));
    expect(calls.flat().slice(-4)).toEqual(['c', 'd', 'e', 'f']);
    expect(consumer.dependencyProblem()).toBeNull();
  });

  it('retries a batch whose handler failed, then handles the batches after it once each, in order', async () => {
    const calls: string[][] = [];
    let failed = false;
    const { topic, groupId, consumer } = await setUp(
      async (messages) => {
        const ids = messages.map((m) => m.value.id);
        calls.push(ids);
        if (ids[0] === 'c' && !failed) {
          failed = true;
          throw new DependencyUnavailableError('postgres'); // e.g. the write of this batch failed
        }
      },
      undefined,
      2,
    );
    await producer.publish(topic, ['a', 'b', 'c', 'd', 'e', 'f'].map((id, n) => ({ id, n })));
    await consumer.start();

    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '6', { description: 'offset 6 committed', timeoutMs: 30_000 });
    // The failed batch is handled again; nothing before it comes back, nothing after it is handled before it.
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['c', 'd'], ['e', 'f']]);
    expect(consumer.dependencyProblem()).toBeNull();
  });

  it('when a batch fails while the one before it is still completing and then fails too, delivers both again', async () => {
    const calls: string[][] = [];
    let completionFailed = false;
    let handlerFailed = false;
    const { topic, groupId, consumer } = await setUp(
      async (messages) => {
        const ids = messages.map((m) => m.value.id);
        calls.push(ids);
        if (ids[0] === 'a' && !completionFailed) {
          completionFailed = true;
          // The rows are written, the publish fails later, after the next batch's handler has failed.
          return { completion: new Promise<void>((_, reject) => setTimeout(() => reject(new DependencyUnavailableError('kafka')), 400)) };
        }
        if (ids[0] === 'c' && !handlerFailed) {
          handlerFailed = true;
          throw new DependencyUnavailableError('postgres');
        }
        return { completion: Promise.resolve() };
      },
      undefined,
      2,
    );
    await producer.publish(topic, ['a', 'b', 'c', 'd', 'e', 'f'].map((id, n) => ({ id, n })));
    await consumer.start();

    await waitFor(async () => (await committedOffset(topic.name, groupId)) === '6', { description: 'offset 6 committed', timeoutMs: 30_000 });
    // 'a' and 'b' must come back: their completion failed, so nothing may commit past them before they complete.
    const handledTimes = (id: string) => calls.filter((ids) => ids.includes(id)).length;
    expect(handledTimes('a')).toBe(2);
    expect(handledTimes('c')).toBeGreaterThanOrEqual(2);
    expect(calls.flat().slice(-6)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('gives the handler the headers as strings, also in a spread copy of the message', async () => {
    const seen: { own: Record<string, string>; copy: Record<string, string> }[] = [];
    const { topic, consumer } = await setUp(async (messages) => {
      for (const m of messages) seen.push({ own: m.headers, copy: { ...m }.headers });
    });
    await producer.publish(topic, [{ id: 'a', n: 1 }], { correlationId: 'corr-1' });
    await consumer.start();

    await waitFor(() => seen.length === 1, { description: 'the message', timeoutMs: 30_000 });
    expect(seen[0]!.own).toMatchObject({ [KAFKA_HEADERS.ceType]: topic.name, [KAFKA_HEADERS.ceId]: expect.any(String), [KAFKA_HEADERS.correlationId]: 'corr-1' });
    expect(seen[0]!.copy).toEqual(seen[0]!.own);
  });
});

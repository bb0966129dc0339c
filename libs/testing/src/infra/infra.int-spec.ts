import { Kafka, logLevel, Partitioners } from 'kafkajs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';

// Proves that whichever tier the global setup chose (env, Docker or local processes) gives real, working
// Kafka, Postgres and Redis. Every name carries a unique suffix: the servers are shared across suites.
describe('integration test infrastructure', () => {
  it('produces to Kafka and consumes the messages through a consumer group', async () => {
    const kafka = new Kafka({ clientId: 'infra-int-spec', brokers: testInfra().kafkaBrokers, logLevel: logLevel.WARN });
    const topic = `infra-check.${uniqueSuffix()}`;
    const admin = kafka.admin();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner, // Java-compatible murmur2; also silences kafkajs' v2 notice
    });
    // NOTE: disconnect() waits for the current fetch long-poll, so the default 5 s maxWaitTime would add 5 s.
    const consumer = kafka.consumer({ groupId: `infra-check-${uniqueSuffix()}`, maxWaitTimeInMs: 250 });
    try {
      await admin.connect();
      // KRaft: without waitForLeaders the first produce can hit "This server does not host this topic-partition".
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

      await producer.connect();
      const keys = ['device-a', 'device-b', 'device-c', 'device-d'];
      await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: `punch from ${key}` })) });

      const received: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void received.push(message.value?.toString() ?? '') });
      await waitFor(() => received.length === keys.length, { description: `${keys.length} messages on ${topic}`, timeoutMs: 30_000 });

      expect(received.sort()).toEqual(keys.map((key) => `punch from ${key}`).sort());
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      expect(metadata?.partitions).toHaveLength(3);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('runs queries on a fresh isolated Postgres database and drops it', async () => {
    const database = await createIsolatedDatabase('infra check');
    const client = new Client({ connectionString: database.url });
    try {
      await client.connect();
      await client.query('CREATE TABLE probe (id int PRIMARY KEY, note text NOT NULL)');
      await client.query("INSERT INTO probe VALUES (1, 'hello')");
      const { rows } = await client.query<{ db: string; note: string }>('SELECT current_database() AS db, note FROM probe');
      expect(rows).toEqual([{ db: database.name, note: 'hello' }]);
    } finally {
      await client.end();
      await database.drop();
    }
    const base = new Client({ connectionString: testInfra().databaseUrl });
    await base.connect();
    const left = await base.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    await base.end();
    expect(left.rowCount).toBe(0);
  });

  it('answers PING and round-trips a key on Redis', async () => {
    const redis = new Redis(testInfra().redisUrl, { maxRetriesPerRequest: 1 });
    const key = `infra-check:${uniqueSuffix()}`;
    try {
      expect(await redis.ping()).toBe('PONG');
      await redis.set(key, 'ok', 'EX', 60);
      expect(await redis.get(key)).toBe('ok');
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});

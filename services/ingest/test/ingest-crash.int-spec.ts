import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { TOPICS } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, silentKafkaLogger } from '@attendance/kafka';
import { collectTopic, createIsolatedDatabase, rawPunchSeries, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { spawnIngest } from './ingest-test-harness';

/**
 * Exactly-once across a crash at the worst moment: ingest is `kill -9`ed right after the Postgres transaction
 * of its first batch committed, before that batch's accepted events were published and before the Kafka
 * offsets were committed (FAULT_CRASH_AFTER_DB_COMMIT). After a restart the batch is delivered again; nothing
 * may be lost and nothing may appear twice, neither rows nor accepted events.
 */
describe('ingest killed between the Postgres commit and the offset commit', () => {
  let database: IsolatedDatabase;
  let pg: Client;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(__dirname, '../../../tools/build/build-services.mjs'), 'ingest'], { stdio: 'ignore' });
    database = await createIsolatedDatabase('crash');
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await database?.drop();
  });

  it('restarts with no lost and no duplicated row or accepted event', async () => {
    const infra = testInfra();
    const tenantId = `crash-${uniqueSuffix()}`;
    const groupId = `ingest-crash-${uniqueSuffix()}`;
    const env = {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: database.url,
      INGEST_CONSUMER_GROUP: groupId,
      // The killed member's partitions move to the restarted one after this; 30 s by default.
      INGEST_SESSION_TIMEOUT_MS: '8000',
    };
    const kafka = createKafkaClient({ brokers: infra.kafkaBrokers, clientId: 'crash-test', ssl: false }, silentKafkaLogger);
    const producer = new ContractProducer(kafka, { source: '/test', logger: silentKafkaLogger });
    await ensureTopics(kafka, [TOPICS.punchRaw.name, TOPICS.punchAccepted.name]);
    await producer.connect();
    const accepted = await collectTopic(TOPICS.punchAccepted.name);
    const punches = [
      ...rawPunchSeries({ tenantId, deviceSerial: 'DEV-1' }, 150),
      ...rawPunchSeries({ tenantId, deviceSerial: 'DEV-2' }, 150),
    ];
    const admin = kafka.admin();
    await admin.connect();
    try {
      // NOTE: the group starts at the topic's current end, not its beginning. The shared broker's raw topic
      // holds every earlier test's punches, and the injected crash hits the FIRST batch: it must be ours.
      const start = (await admin.fetchTopicOffsets(TOPICS.punchRaw.name)).map(({ partition, high }) => ({ partition, offset: high }));
      await admin.setOffsets({ groupId, topic: TOPICS.punchRaw.name, partitions: start });
      await producer.publish(TOPICS.punchRaw, punches);

      const crashing = spawnIngest({ ...env, FAULT_CRASH_AFTER_DB_COMMIT: 'true' });
      const { signal } = await crashing.exited;
      if (signal !== 'SIGKILL') console.log(crashing.output().slice(-3000));
      expect(signal).toBe('SIGKILL');
      expect(crashing.output()).toContain('FAULT_CRASH_AFTER_DB_COMMIT');
      const committedBeforeRestart = (await pg.query('SELECT COUNT(*)::int AS n FROM ingest.punches WHERE tenant_id = $1', [tenantId])).rows[0].n as number;
      expect(committedBeforeRestart).toBeGreaterThan(0);
      // The rows are durable but the group never committed an offset past them: the worst moment, as intended.
      const offsets = await admin.fetchOffsets({ groupId, topics: [TOPICS.punchRaw.name] });
      const byPartition = <T extends { partition: number; offset: string }>(list: T[]) =>
        list.map(({ partition, offset }) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);
      expect(byPartition(offsets[0]!.partitions)).toEqual(byPartition(start));

      const restarted = spawnIngest(env);
      try {
        await waitFor(
          async () => (await pg.query('SELECT COUNT(*)::int AS n FROM ingest.punches WHERE tenant_id = $1', [tenantId])).rows[0].n === 300,
          { description: 'all 300 punches after the restart', timeoutMs: 90_000, intervalMs: 250 },
        );
        const mine = () => accepted.messages.filter((m) => m.key?.startsWith(`${tenantId}:`));
        await waitFor(() => mine().length >= 300, { description: '300 accepted events', timeoutMs: 30_000 });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const eventIds = mine().map((m) => (JSON.parse(m.value!) as { eventId: string }).eventId);
        expect(eventIds).toHaveLength(300);
        expect(new Set(eventIds)).toEqual(new Set(punches.map((p) => p.eventId)));
        const dupes = await pg.query(
          'SELECT event_id FROM ingest.punches WHERE tenant_id = $1 GROUP BY event_id HAVING COUNT(*) > 1',
          [tenantId],
        );
        expect(dupes.rows).toEqual([]);
      } finally {
        restarted.child.kill('SIGTERM');
        await restarted.exited;
      }
    } finally {
      await admin.disconnect();
      await accepted.stop();
      await producer.disconnect();
    }
  });
});

import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TopicContract, TopicValue } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, silentKafkaLogger } from '@attendance/kafka';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { testInfra, uniqueSuffix } from '@attendance/testing';
import { AppModule } from '../src/app.module';
import { loadStatusConfig } from '../src/config/status.config';
import { StatusConsumers } from '../src/ingestion/status-consumers';
import { statusTopics, type StatusTopics } from '../src/kafka/status-topics';

/** An API key entry for STATUS_API_KEYS and the header value a client sends with it. */
export function apiKey(keyId: string, tenantId: string, secret = `secret-${keyId}`): { entry: string; header: string } {
  return { entry: `${keyId}:${tenantId}:${createHash('sha256').update(secret).digest('hex')}`, header: `${keyId}.${secret}` };
}

/**
 * Settings one test file shares among its status replicas: its own Redis key prefix, consumer group and
 * topic suffix, so parallel test files on one Redis and one broker never see each other's data.
 */
export function isolatedStatusEnv(extra: Record<string, string> = {}): { env: Record<string, string>; topics: StatusTopics; prefix: string } {
  const suffix = uniqueSuffix();
  const env = {
    KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
    REDIS_URL: testInfra().redisUrl,
    STATUS_KEY_PREFIX: `test-status:${suffix}:`,
    STATUS_CONSUMER_GROUP: `status-test-${suffix}`,
    STATUS_TOPIC_SUFFIX: `.t${suffix}`,
    STATUS_SESSION_TIMEOUT_MS: '6000',
    STATUS_SWEEP_INTERVAL_MS: '100',
    ...extra,
  };
  return { env, topics: statusTopics(env.STATUS_TOPIC_SUFFIX), prefix: env.STATUS_KEY_PREFIX };
}

/** status inside the test process, configured through its env schema like main.ts, on a free port. */
export async function startStatus(env: Record<string, string>): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = loadStatusConfig({ PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = createRootLogger({ service: 'status', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const app = await bootstrapService({ module: AppModule.register(config, logger), port: 0, host: '127.0.0.1', logger });
  await app.get(StatusConsumers).waitForAssignment(60_000);
  return { app, url: await app.getUrl() };
}

/** A producer for the test's input topics. */
export async function testProducer(): Promise<{ publish<C extends TopicContract>(contract: C, values: TopicValue<C>[]): Promise<void>; close(): Promise<void> }> {
  const kafka = createKafkaClient({ clientId: `status-test-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, ssl: false }, silentKafkaLogger);
  const producer = new ContractProducer(kafka, { source: '/status-test', logger: silentKafkaLogger });
  await producer.connect();
  return { publish: (contract, values) => producer.publish(contract, values), close: () => producer.disconnect() };
}

export function getJson(url: string, key: string): Promise<Response> {
  return fetch(url, { headers: { 'x-api-key': key } });
}

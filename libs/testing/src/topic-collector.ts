import { Kafka, logLevel } from 'kafkajs';
import { headersToStrings } from '@attendance/kafka';
import { testInfra } from './test-infra';
import { uniqueSuffix } from './unique-suffix';

export interface CollectedMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
}

/**
 * Reads a topic from the beginning in the background and keeps every message, so a test can assert on what
 * was (and was not) published, e.g. "exactly one accepted event per eventId". Filter by your test's tenant.
 */
export async function collectTopic(topic: string): Promise<{ messages: CollectedMessage[]; stop(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'test-collector', brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `collector-${uniqueSuffix()}`, maxWaitTimeInMs: 250 });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: headersToStrings(message.headers), partition });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

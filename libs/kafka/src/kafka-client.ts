import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConnectionConfig } from './kafka-config';
import type { KafkaLogger } from './logger';
import { installRequestQueueFix } from './request-queue-fix';

/**
 * Creates the kafkajs client. This file and the two wrappers beside it are the only places that know the
 * client library (DESIGN.md section 8: a move to another client touches one library).
 */
export function createKafkaClient(config: KafkaConnectionConfig, logger: KafkaLogger): Kafka {
  // Every client of the process shares kafkajs's RequestQueue; the fix replaces its idle 1 ms timer loop.
  const fix = installRequestQueueFix();
  if (!fix.installed) logger.warn({ reason: fix.reason }, "kafkajs's request queue keeps its idle timer loop");
  return new Kafka({ ...kafkaClientOptions(config), logCreator: () => (entry: LogEntry) => bridgeKafkaLog(logger, entry) });
}

/**
 * The client options without the logger: plain data, so that a worker thread (see WorkerThreadProducer) builds
 * its client exactly like this one.
 */
export function kafkaClientOptions(config: KafkaConnectionConfig): Omit<KafkaConfig, 'logCreator'> & { logLevel: logLevel } {
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    ...(config.sasl ? { sasl: toSaslOptions(config.sasl) } : {}),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 30000 },
    logLevel: logLevel.WARN,
  };
}

/** Start-up notices of kafkajs that describe choices we made on purpose (see contract-producer.ts). */
const EXPECTED_NOTICES = [/Limiting retries for the idempotent producer/];

/** Maps a kafkajs log entry onto our logger (also used for the entries a producer thread forwards). */
export function bridgeKafkaLog(
  logger: KafkaLogger,
  { level, namespace, log }: { level: logLevel | number; namespace: string; log: { message: string; [field: string]: unknown } },
): void {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  const obj = { kafkaNamespace: namespace, ...fields };
  if (EXPECTED_NOTICES.some((pattern) => pattern.test(message))) return logger.debug(obj, message);
  // NOTE: kafkajs logs transient broker trouble (leader moves, a restarting broker) at ERROR; we surface it as
  // WARN because the wrappers retry, pause or crash loudly themselves when it really matters.
  if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(obj, message);
  else if (level === logLevel.INFO) logger.info(obj, message);
  else logger.debug(obj, message);
}

function toSaslOptions(sasl: NonNullable<KafkaConnectionConfig['sasl']>): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

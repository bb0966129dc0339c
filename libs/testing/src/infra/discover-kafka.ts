import { relative } from 'node:path';
import {
  DEFAULT_KAFKA_CONTROLLER_PORT,
  DEFAULT_KAFKA_PORT,
  type KafkaBroker,
  KafkaBrokerStartError,
  kafkaInstanceDir,
  kafkaStateDir,
  reapOrphanedKafkaBrokers,
  startKafkaBroker,
} from '../../../../tools/infra/kafka-broker';
import { TEST_INSTANCE_PREFIX } from '../../../../tools/infra/kafka-pid-file';
import { waitForKafka, warmUpKafka } from '../../../../tools/infra/kafka-readiness';
import { findFreePort, preferredOrFreePort } from '../../../../tools/infra/ports';
import { repoRoot } from '../../../../tools/infra/repo-root';
import { useContainers } from './container-runtime';
import { type DiscoveredService, INFRA_ENV } from './infra-env';

// Same Kafka line as the Maven broker (3.9.x, DESIGN.md section 8); override to try another tag.
const KAFKA_IMAGE = process.env.TEST_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.5';
const ENV_CHECK_TIMEOUT_MS = 15_000;
const MAX_START_ATTEMPTS = 3;

/**
 * Kafka for integration tests: KAFKA_BROKERS, else a cp-kafka container, else a local broker from Maven jars;
 * then warmed up (group coordinator and producer ids ready) so the first test does not pay for it.
 */
export async function discoverKafka(): Promise<DiscoveredService<string[]>> {
  const fromEnv = process.env[INFRA_ENV.kafkaBrokers];
  const service = fromEnv ? await kafkaFromEnv(fromEnv) : (await useContainers()) ? await kafkaContainer() : await localKafka();
  const startedAt = Date.now();
  try {
    await warmUpKafka(service.value);
  } catch (error) {
    await service.stop?.();
    throw error;
  }
  return { ...service, detail: `${service.detail}, warm-up ${((Date.now() - startedAt) / 1000).toFixed(1)} s` };
}

async function kafkaFromEnv(value: string): Promise<DiscoveredService<string[]>> {
  const brokers = value.split(',').map((broker) => broker.trim()).filter(Boolean);
  try {
    await waitForKafka(brokers, { timeoutMs: ENV_CHECK_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`${INFRA_ENV.kafkaBrokers}=${value} is set but does not answer: ${(error as Error).message}`);
  }
  return { name: 'kafka', tier: 'env', value: brokers, detail: `${INFRA_ENV.kafkaBrokers}=${brokers.join(',')}` };
}

async function kafkaContainer(): Promise<DiscoveredService<string[]>> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  // cp-kafka auto-creates topics with 1 partition; 3 matches the local broker (see kafka-server-properties.ts).
  const container = await new KafkaContainer(KAFKA_IMAGE).withKraft().withEnvironment({ KAFKA_NUM_PARTITIONS: '3' }).start();
  const brokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
  return {
    name: 'kafka',
    tier: 'docker',
    value: brokers,
    detail: `${KAFKA_IMAGE} container at ${brokers.join(',')}`,
    stop: async () => void (await container.stop()),
  };
}

async function localKafka(): Promise<DiscoveredService<string[]>> {
  const stateDir = kafkaStateDir();
  await reapOrphanedKafkaBrokers(stateDir); // brokers and folders left by test runs that were killed
  const broker = await startWithPortRetry();
  return {
    name: 'kafka',
    tier: 'local',
    value: broker.brokers,
    detail: `local broker (Maven jars; log ${relative(repoRoot(), broker.logFile)}) at ${broker.brokers.join(',')}, ready in ${(broker.startupMs / 1000).toFixed(1)} s`,
    stop: broker.stop,
  };
}

/**
 * 9092/9093 when free (easy to poke at while debugging), else any free ports so a dev broker can keep
 * running. Two test runs starting at once can both see a port free; the loser gets a port clash and
 * retries on OS-assigned ports.
 */
async function startWithPortRetry(): Promise<KafkaBroker> {
  for (let attempt = 1; ; attempt++) {
    const preferred = attempt === 1;
    const port = preferred ? await preferredOrFreePort(DEFAULT_KAFKA_PORT) : await findFreePort();
    let controllerPort = preferred ? await preferredOrFreePort(DEFAULT_KAFKA_CONTROLLER_PORT) : await findFreePort();
    while (controllerPort === port) controllerPort = await findFreePort();
    try {
      return await startKafkaBroker({
        port,
        controllerPort,
        instanceDir: kafkaInstanceDir(`${TEST_INSTANCE_PREFIX}${process.pid}`),
        fresh: true,
      });
    } catch (error) {
      if (!(error instanceof KafkaBrokerStartError && error.portClash) || attempt >= MAX_START_ATTEMPTS) throw error;
    }
  }
}

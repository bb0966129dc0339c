import { Kafka, logLevel } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForKafkaOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called between polls; a returned string aborts the wait with that reason (e.g. "broker exited"). */
  abortReason?: () => string | undefined;
  /**
   * The cluster id the broker was formatted with. A different id means another broker answers on that
   * address (ours may have died on a port clash meanwhile); that aborts the wait instead of passing it.
   */
  clusterId?: string;
}

/** Thrown when the address answers with a cluster other than the expected one. */
export class ForeignKafkaClusterError extends Error {}

/**
 * Polls the cluster with a kafkajs admin until `describeCluster` lists a broker. A bare TCP connect is
 * weaker: an open port is not yet a broker that serves requests (nor necessarily ours, see `clusterId`).
 * Throws on timeout with the last client error.
 */
export async function waitForKafka(brokers: string[], options: WaitForKafkaOptions): Promise<void> {
  const { timeoutMs, intervalMs = 250, abortReason, clusterId } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  for (;;) {
    const reason = abortReason?.();
    if (reason) throw new Error(reason);
    const answer = await describeClusterOnce(brokers);
    if ('clusterId' in answer) {
      if (clusterId === undefined || answer.clusterId === clusterId) return;
      throw new ForeignKafkaClusterError(
        `${brokers.join(',')} is answered by another Kafka cluster (id ${answer.clusterId}, expected ${clusterId})`,
      );
    }
    lastError = answer.error;
    if (Date.now() >= deadline) {
      throw new Error(`Kafka at ${brokers.join(',')} not ready after ${timeoutMs} ms: ${lastError}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Makes a freshly started cluster fast and quiet for its first real clients. On a new KRaft broker the first
 * FindCoordinator creates `__consumer_offsets` ("The group coordinator is not available" until it is loaded)
 * and the first InitProducerId fetches a producer-id block from the controller ("The coordinator is loading").
 * kafkajs retries both, but logs each as an ERROR and a consumer may crash-restart once, which costs the first
 * test a second or more and fills its output with noise. Doing it here, once, keeps that out of the tests.
 */
export async function warmUpKafka(brokers: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = quietClient(brokers, { retries: 0 });
  const admin = kafka.admin();
  let lastError = '';
  try {
    await admin.connect();
    for (;;) {
      try {
        await admin.describeGroups(['infra-warm-up']); // any group id: it only needs a coordinator
        break;
      } catch (error) {
        lastError = (error as Error).message;
        if (Date.now() >= deadline) throw new Error(`Kafka group coordinator not available after ${timeoutMs} ms: ${lastError}`);
        await sleep(250);
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  // Default retries here: kafkajs backs off on COORDINATOR_LOAD_IN_PROGRESS until the producer id arrives.
  const producer = quietClient(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
  try {
    await producer.connect();
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

function quietClient(brokers: string[], retry?: { retries: number }): Kafka {
  return new Kafka({
    clientId: 'infra-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    ...(retry ? { retry } : {}),
  });
}

/** The cluster id when the cluster answered with at least one broker, else the error message. */
async function describeClusterOnce(brokers: string[]): Promise<{ clusterId: string } | { error: string }> {
  // Fresh client per attempt with no retries and short timeouts: the loop above does the retrying, and
  // kafkajs' own logging would only print the expected connection refusals.
  const admin = quietClient(brokers, { retries: 0 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 ? { clusterId: cluster.clusterId } : { error: 'describeCluster returned no brokers' };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

import type { Kafka } from 'kafkajs';

/**
 * Creates missing topics and waits for their leaders. Producing to an auto-created topic on a fresh KRaft
 * broker fails once with LEADER_NOT_AVAILABLE / "This server does not host this topic-partition"
 * (tulios/kafkajs#1563, #815), so services create theirs at start-up.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  options: { numPartitions?: number; replicationFactor?: number } = {},
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: options.numPartitions ?? -1,
        replicationFactor: options.replicationFactor ?? -1,
      })),
    });
    return missing;
  } finally {
    await admin.disconnect();
  }
}

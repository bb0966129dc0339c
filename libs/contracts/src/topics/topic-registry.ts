import { CompletenessTopic } from './completeness.topic';
import { DeviceEventTopic } from './device-event.topic';
import { DeviceHealthTopic } from './device-health.topic';
import { GatewayCommandResultTopic } from './gateway-command-result.topic';
import { GatewayCommandTopic } from './gateway-command.topic';
import { GatewayHeartbeatTopic } from './gateway-heartbeat.topic';
import { MobileRecordTopic } from './mobile-record.topic';
import { PunchAcceptedTopic } from './punch-accepted.topic';
import { PunchRawTopic } from './punch-raw.topic';

/**
 * Every Kafka topic of DESIGN.md section 4, by a stable camel-case id (also the channel id in the AsyncAPI
 * document). Each topic has a dead-letter topic, `dlqTopicName(topic.name)`, which has no schema: it carries
 * the original bytes and `dlq_*` headers.
 */
export const TOPICS = Object.freeze({
  punchRaw: PunchRawTopic,
  punchAccepted: PunchAcceptedTopic,
  gatewayHeartbeat: GatewayHeartbeatTopic,
  deviceEvent: DeviceEventTopic,
  gatewayCommand: GatewayCommandTopic,
  gatewayCommandResult: GatewayCommandResultTopic,
  completeness: CompletenessTopic,
  deviceHealth: DeviceHealthTopic,
  mobileRecord: MobileRecordTopic,
});

export type TopicId = keyof typeof TOPICS;
export type AnyTopic = (typeof TOPICS)[TopicId];

/** All topics, in registry order (for topic creation and generated docs). */
export const ALL_TOPICS: readonly AnyTopic[] = Object.freeze(Object.values(TOPICS));

/** The contract of a topic name, or undefined (e.g. for a DLQ topic or a topic of another version). */
export function findTopic(name: string): AnyTopic | undefined {
  return ALL_TOPICS.find((topic) => topic.name === name);
}

import { TOPICS, type TopicContract } from '@attendance/contracts';

/** The contract under its name plus STATUS_TOPIC_SUFFIX (test and bench isolation on a shared broker). */
export function suffixed<C extends TopicContract>(contract: C, suffix: string): C {
  return suffix === '' ? contract : ({ ...contract, name: `${contract.name}${suffix}` } as C);
}

/** The topics status consumes, and the one it produces. */
export function statusTopics(suffix: string) {
  return {
    heartbeat: suffixed(TOPICS.gatewayHeartbeat, suffix),
    deviceEvent: suffixed(TOPICS.deviceEvent, suffix),
    punchAccepted: suffixed(TOPICS.punchAccepted, suffix),
    commandResult: suffixed(TOPICS.gatewayCommandResult, suffix),
    completeness: suffixed(TOPICS.completeness, suffix),
    deviceHealth: suffixed(TOPICS.deviceHealth, suffix),
  };
}
export type StatusTopics = ReturnType<typeof statusTopics>;

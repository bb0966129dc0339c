import { type z } from 'zod';

/**
 * One Kafka topic's contract: its name, how a message key is derived from a value, and the zod schema the
 * value must satisfy. Producers validate before send and consumers on decode (DESIGN.md section 4), so this
 * object is the only place a topic's shape is defined.
 */
export interface TopicContract<TSchema extends z.ZodType = z.ZodType> {
  /** `<domain>.<event>.v<N>`, e.g. `attendance.punch.raw.v1`. */
  readonly name: string;
  readonly version: number;
  /** One sentence for the AsyncAPI document and the README. */
  readonly description: string;
  readonly schema: TSchema;
  /** Derives the Kafka message key from a valid value (ordering unit, e.g. `tenant:deviceSerial`). */
  readonly key: (value: z.infer<TSchema>) => string;
  /** Human description of the key, e.g. `${tenantId}:${deviceSerial}`, for generated docs. */
  readonly keyDescription: string;
  /** Which services produce and consume it, for generated docs. */
  readonly producers: readonly string[];
  readonly consumers: readonly string[];
}

export type TopicValue<T extends TopicContract> = z.infer<T['schema']>;

export function defineTopic<TSchema extends z.ZodType>(contract: TopicContract<TSchema>): TopicContract<TSchema> {
  if (!/^[a-z]+(\.[a-z-]+)+\.v[1-9][0-9]*$/.test(contract.name)) {
    throw new Error(`Topic name "${contract.name}" does not follow <domain>.<event>.v<N>`);
  }
  if (!contract.name.endsWith(`.v${contract.version}`)) {
    throw new Error(`Topic name "${contract.name}" does not end with its version v${contract.version}`);
  }
  return Object.freeze(contract);
}

/** Poison messages of a topic go here, with the original bytes and error headers. */
export function dlqTopicName(topicName: string): string {
  return `${topicName}.dlq`;
}

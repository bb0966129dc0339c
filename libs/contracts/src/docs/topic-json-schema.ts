import { z } from 'zod';
import type { TopicContract } from '../topic-contract';

/**
 * JSON Schema dialect of the generated files. Draft-07, because it is the JSON Schema version AsyncAPI 3.0
 * names as a payload `schemaFormat` and the default of most validators (ajv).
 */
export const JSON_SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

/** File name of a topic's JSON Schema, e.g. `attendance.punch.raw.v1.schema.json`. */
export function jsonSchemaFileName(topicName: string): string {
  return `${topicName}.schema.json`;
}

/**
 * JSON Schema of a topic's value, from its zod schema. It describes what a consumer accepts (`io: 'input'`):
 * for stripped topics extra properties are allowed and ignored, for passthrough topics they are kept.
 * Refinements that JSON Schema cannot express (eventId = punchEventId(...), IANA zone known to ICU,
 * from < to) are listed in the zod sources and enforced by `@attendance/contracts`.
 */
export function topicJsonSchema(topic: TopicContract): Record<string, unknown> {
  const generated = z.toJSONSchema(topic.schema, { target: 'draft-07', io: 'input', unrepresentable: 'any' });
  return {
    ...generated,
    $comment: 'Generated from libs/contracts by `npm run docs:contracts`. Do not edit.',
    title: topic.name,
    description: topic.description,
    'x-kafka-topic': topic.name,
    'x-kafka-key': topic.keyDescription,
    'x-producers': [...topic.producers],
    'x-consumers': [...topic.consumers],
  };
}

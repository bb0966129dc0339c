import { CLOUDEVENTS_SPEC_VERSION, JSON_CONTENT_TYPE, KAFKA_HEADERS } from '../headers';
import { dlqTopicName, type TopicContract } from '../topic-contract';
import { JSON_SCHEMA_FORMAT, jsonSchemaFileName } from './topic-json-schema';

/** Inputs of {@link buildAsyncApiDocument}: topics by channel id, and one example value per channel id. */
export interface AsyncApiInput {
  readonly topics: Readonly<Record<string, TopicContract>>;
  readonly examples: Readonly<Record<string, unknown>>;
  /** Path of the JSON Schema folder relative to the AsyncAPI file. */
  readonly jsonSchemaDir: string;
}

const KAFKA_BINDING_VERSION = '0.5.0';

const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);
const messageId = (id: string, topic: TopicContract): string => `${pascal(id)}V${topic.version}`;
const tags = (names: readonly string[]) => names.map((name) => ({ name }));

const cloudEventsHeaders = {
  type: 'object',
  description: 'CloudEvents 1.0 binary mode for Kafka, plus a correlation id',
  properties: {
    [KAFKA_HEADERS.ceId]: {
      type: 'string',
      description: "The value's eventId when it has one (a punch's stable id, so redeliveries share it), else a random UUID",
    },
    [KAFKA_HEADERS.ceType]: { type: 'string', description: 'The topic name, e.g. attendance.punch.raw.v1' },
    [KAFKA_HEADERS.ceSource]: { type: 'string', description: 'Producing service instance, e.g. /device-gateway/gw-blr-hq-1' },
    [KAFKA_HEADERS.ceTime]: { type: 'string', format: 'date-time', description: 'When the message was produced (UTC)' },
    [KAFKA_HEADERS.ceSpecVersion]: { type: 'string', const: CLOUDEVENTS_SPEC_VERSION },
    [KAFKA_HEADERS.contentType]: { type: 'string', const: JSON_CONTENT_TYPE },
    [KAFKA_HEADERS.correlationId]: {
      type: 'string',
      description: 'Follows a punch from the device request to Postgres; optional',
    },
  },
  required: [
    KAFKA_HEADERS.ceId,
    KAFKA_HEADERS.ceType,
    KAFKA_HEADERS.ceSource,
    KAFKA_HEADERS.ceTime,
    KAFKA_HEADERS.ceSpecVersion,
    KAFKA_HEADERS.contentType,
  ],
};

const deadLetterHeaders = {
  type: 'object',
  description: 'The original message headers (as they were, possibly incomplete), plus the error headers',
  properties: {
    [KAFKA_HEADERS.dlqErrorClass]: { type: 'string', description: 'e.g. invalid-json, contract-violation, handler-rejected' },
    [KAFKA_HEADERS.dlqErrorMessage]: { type: 'string', description: 'Validation or handler error, at most 1000 characters' },
    [KAFKA_HEADERS.dlqOriginalTopic]: { type: 'string' },
    [KAFKA_HEADERS.dlqOriginalPartition]: { type: 'string', description: 'Decimal partition number' },
    [KAFKA_HEADERS.dlqOriginalOffset]: { type: 'string', description: 'Decimal offset' },
    [KAFKA_HEADERS.dlqFailedAt]: { type: 'string', format: 'date-time' },
    [KAFKA_HEADERS.dlqConsumerGroup]: { type: 'string', description: 'Consumer group that gave up on the message' },
  },
  required: [
    KAFKA_HEADERS.dlqErrorClass,
    KAFKA_HEADERS.dlqErrorMessage,
    KAFKA_HEADERS.dlqOriginalTopic,
    KAFKA_HEADERS.dlqOriginalPartition,
    KAFKA_HEADERS.dlqOriginalOffset,
    KAFKA_HEADERS.dlqFailedAt,
    KAFKA_HEADERS.dlqConsumerGroup,
  ],
};

const DESCRIPTION = [
  'Kafka topics of the attendance edge-to-cloud pipeline (DESIGN.md section 4). Generated from `libs/contracts`',
  'by `npm run docs:contracts`; do not edit.',
  '',
  '- Values are JSON validated by the zod schemas of `@attendance/contracts`: producers before send, consumers on decode.',
  '- Topic names are `<domain>.<event>.v<N>`. Adding a field whose absence or ignorance is harmless is compatible;',
  '  anything else is a new version, dual-published during migration.',
  '- A message that fails its schema in a consumer goes to `<topic>.dlq` with its original bytes, key and headers',
  '  plus `dlq_*` error headers, and the consumer moves on.',
  '- Instants are UTC ISO-8601 with `Z`; device local times are `YYYY-MM-DDTHH:mm:ss` with an IANA `timeZone`.',
  '- A punch `eventId` is the UUIDv5 of (tenantId, deviceSerial, deviceUserId, localTime): see `punchEventId()`.',
].join('\n');

/**
 * AsyncAPI 3.0 document of the topics: a channel per topic and per dead-letter topic, a send and a receive
 * operation per channel naming the producing and consuming services, messages with CloudEvents headers, the
 * Kafka key, a payload `$ref` to the topic's JSON Schema file and one example.
 */
export function buildAsyncApiDocument(input: AsyncApiInput): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const [id, topic] of Object.entries(input.topics)) {
    const msgId = messageId(id, topic);
    const dlqId = `${id}Dlq`;
    const dlqName = dlqTopicName(topic.name);

    channels[id] = {
      address: topic.name,
      title: topic.name,
      description: `${topic.description}\n\nKey: ${topic.keyDescription}.`,
      messages: { [msgId]: { $ref: `#/components/messages/${msgId}` } },
      bindings: { kafka: { topic: topic.name, bindingVersion: KAFKA_BINDING_VERSION } },
    };
    channels[dlqId] = {
      address: dlqName,
      title: dlqName,
      description: `Dead letters of ${topic.name}: messages a consumer could not decode or validate, unchanged, with error headers.`,
      messages: { deadLetter: { $ref: '#/components/messages/DeadLetter' } },
      bindings: { kafka: { topic: dlqName, bindingVersion: KAFKA_BINDING_VERSION } },
    };

    operations[`produce${pascal(id)}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${id}` },
      summary: `Produced by ${topic.producers.join(', ')}`,
      tags: tags(topic.producers),
      messages: [{ $ref: `#/channels/${id}/messages/${msgId}` }],
    };
    operations[`consume${pascal(id)}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${id}` },
      summary: `Consumed by ${topic.consumers.join(', ')}`,
      tags: tags(topic.consumers),
      messages: [{ $ref: `#/channels/${id}/messages/${msgId}` }],
    };
    operations[`deadLetter${pascal(id)}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${dlqId}` },
      summary: `Consumers of ${topic.name} dead-letter messages that fail decoding or validation`,
      messages: [{ $ref: `#/channels/${dlqId}/messages/deadLetter` }],
    };
    operations[`inspect${pascal(dlqId)}`] = {
      action: 'receive',
      channel: { $ref: `#/channels/${dlqId}` },
      summary: 'Read by operators (alerting on any message, replay after a fix)',
      tags: tags(['ops']),
      messages: [{ $ref: `#/channels/${dlqId}/messages/deadLetter` }],
    };

    const example = input.examples[id];
    messages[msgId] = {
      name: msgId,
      title: topic.name,
      summary: topic.description,
      contentType: JSON_CONTENT_TYPE,
      correlationId: { $ref: '#/components/correlationIds/correlationId' },
      headers: {
        allOf: [
          { $ref: '#/components/schemas/CloudEventsHeaders' },
          { type: 'object', properties: { [KAFKA_HEADERS.ceType]: { type: 'string', const: topic.name } } },
        ],
      },
      payload: {
        schemaFormat: JSON_SCHEMA_FORMAT,
        schema: { $ref: `${input.jsonSchemaDir}/${jsonSchemaFileName(topic.name)}` },
      },
      bindings: {
        kafka: { key: { type: 'string', description: topic.keyDescription }, bindingVersion: KAFKA_BINDING_VERSION },
      },
      ...(example === undefined ? {} : { examples: [{ name: 'typical', summary: `A typical ${topic.name} value`, payload: example }] }),
    };
  }

  messages['DeadLetter'] = {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary: 'The original message bytes, key and headers, plus dlq_* error headers',
    contentType: 'application/octet-stream',
    headers: { $ref: '#/components/schemas/DeadLetterHeaders' },
    payload: { type: 'string', description: 'The original value bytes, unchanged (they may not be valid JSON)' },
  };

  return {
    asyncapi: '3.0.0',
    info: { title: 'Attendance pipeline Kafka contracts', version: '1.0.0', description: DESCRIPTION },
    defaultContentType: JSON_CONTENT_TYPE,
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'Development broker (KAFKA_BROKERS); deployed brokers use SASL/SCRAM over TLS',
      },
    },
    channels,
    operations,
    components: {
      schemas: { CloudEventsHeaders: cloudEventsHeaders, DeadLetterHeaders: deadLetterHeaders },
      messages,
      correlationIds: {
        correlationId: {
          description: 'Correlation id that follows a punch from the device request to Postgres',
          location: `$message.header#/${KAFKA_HEADERS.correlationId}`,
        },
      },
    },
  };
}

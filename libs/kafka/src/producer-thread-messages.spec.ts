import fc from 'fast-check';
import { CLOUDEVENTS_SPEC_VERSION, JSON_CONTENT_TYPE, KAFKA_HEADERS } from '@attendance/contracts';
import { FAST_PRODUCE_ENCODING_SOURCE } from './fast-produce-encoding-source';
import { PUBLISH_MESSAGES_SOURCE } from './producer-thread-source';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's own internal encoders are the reference */
const Long = require('kafkajs/src/utils/long');
const Encoder = require('kafkajs/src/protocol/encoder');
const stockRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const { RecordBatch: stockRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const stockProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request');
const { Produce: produceApiKey } = require('kafkajs/src/protocol/requests/apiKeys');
const stockGroup = require('kafkajs/src/producer/groupMessagesPerPartition');
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');
const { Partitioners } = require('kafkajs');
/* eslint-enable @typescript-eslint/no-require-imports */

type Message = { key: string; value: unknown; headers?: Record<string, Buffer | string> };
interface Publish {
  type: 'publish';
  id: number;
  topic: string;
  keys: string[];
  values: ArrayBuffer;
  valueOffsets: Uint32Array;
  ids: string[];
  idHeader: string;
  timeHeader: string;
  time: string;
  staticHeaders: Record<string, string>;
  headerBytes: number;
}
type PublishMessages = (request: Publish) => { messages: Message[]; bytes: number[] };
interface FastEncoding {
  ProduceRequest: (args: object) => { encode(): Promise<{ buffer: Buffer }> };
  preEncodeMessages: (input: object) => Message[] | null;
  PER_RECORD: symbol;
}

// Both sources run as the producer thread runs them: evaluated, with this module's require.
const fast = new Function('require', `${FAST_PRODUCE_ENCODING_SOURCE}\nreturn createFastProduceEncoding;`)(require)({
  Long,
  Encoder,
  originalRecord: stockRecord,
  originalRecordBatch: stockRecordBatch,
  originalProduceRequest: stockProduceRequest,
  produceApiKey,
  murmur2,
}) as FastEncoding;
const createPublishMessages = new Function('require', `${PUBLISH_MESSAGES_SOURCE}\nreturn createPublishMessages;`)(require) as (fastEncoding: object) => PublishMessages;
const withFastEncoding = createPublishMessages({ installed: true, preEncodeMessages: fast.preEncodeMessages, PER_RECORD: fast.PER_RECORD });
const withStockEncoding = createPublishMessages({ installed: false });

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 30 }));
const items = fc.array(
  fc.record({
    key: fc.oneof(fc.nat({ max: 30 }).map((n) => `dev-${n}`), text),
    json: fc.oneof(fc.constant(''), fc.json(), fc.string({ unit: 'grapheme', maxLength: 400 })),
    id: fc.oneof(fc.uuid(), text),
  }),
  { minLength: 1, maxLength: 40 },
);
const publishOptions = fc.record({
  source: fc.oneof(fc.constant('/ingest'), text),
  correlationId: fc.option(text, { nil: undefined }),
  time: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
});

/** What WorkerThreadProducer.publishSerialized posts to the thread for these items. */
function publishOf(list: { key: string; json: string; id: string }[], options: { source: string; correlationId?: string; time: string }): Publish {
  const staticHeaders: Record<string, string> = {
    [KAFKA_HEADERS.ceType]: 'test.thread-messages.v1',
    [KAFKA_HEADERS.ceSource]: options.source,
    [KAFKA_HEADERS.ceSpecVersion]: CLOUDEVENTS_SPEC_VERSION,
    [KAFKA_HEADERS.contentType]: JSON_CONTENT_TYPE,
    ...(options.correlationId ? { [KAFKA_HEADERS.correlationId]: options.correlationId } : {}),
  };
  const valueOffsets = new Uint32Array(list.length + 1);
  list.forEach((item, i) => (valueOffsets[i + 1] = valueOffsets[i]! + Buffer.byteLength(item.json, 'utf8')));
  const values = Buffer.allocUnsafeSlow(valueOffsets[list.length]!);
  list.forEach((item, i) => values.write(item.json, valueOffsets[i]!, 'utf8'));
  let headerBytes = 64;
  for (const [name, value] of Object.entries(staticHeaders)) headerBytes += name.length + Buffer.byteLength(value);
  return {
    type: 'publish',
    id: 1,
    topic: 'test.thread-messages.v1',
    keys: list.map((item) => item.key),
    values: values.buffer as ArrayBuffer,
    valueOffsets,
    ids: list.map((item) => item.id),
    idHeader: KAFKA_HEADERS.ceId,
    timeHeader: KAFKA_HEADERS.ceTime,
    time: options.time,
    staticHeaders,
    headerBytes,
  };
}

/** The topic data kafkajs's sendMessages makes of one send: grouped by DefaultPartitioner over `partitions`. */
function topicDataOf(messages: Message[], partitions: number) {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
  const perPartition: Record<string, Message[]> = stockGroup({ topic: 't', partitionMetadata, messages, partitioner: Partitioners.DefaultPartitioner() });
  return [{ topic: 't', partitions: Object.entries(perPartition).map(([partition, list]) => ({ partition: Number(partition), firstSequence: 3, messages: list })) }];
}

describe('the producer thread’s messages of a publish', () => {
  afterEach(() => jest.restoreAllMocks());

  it('pre-encoded, they make the produce request that stock kafkajs makes of the plain messages', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_764_000_000_000);
    await fc.assert(
      fc.asyncProperty(items, publishOptions, fc.integer({ min: 1, max: 6 }), async (list, options, partitions) => {
        const actual = withFastEncoding(publishOf(list, options)).messages;
        const expected = withStockEncoding(publishOf(list, options)).messages;
        const args = { acks: -1, timeout: 30_000, producerId: Long.fromInt(42), producerEpoch: 1 };
        const actualBytes = (await fast.ProduceRequest({ ...args, topicData: topicDataOf(actual, partitions) }).encode()).buffer;
        const expectedBytes = (await stockProduceRequest({ ...args, topicData: topicDataOf(expected, partitions) }).encode()).buffer;
        expect(actualBytes.equals(expectedBytes)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('carry ce_id first, then the static headers in order, then ce_time', () => {
    const publish = publishOf([{ key: 'dev-1', json: '{"n":1}', id: 'id-1' }], { source: '/ingest', correlationId: 'corr-1', time: '2025-11-24T08:00:00.000Z' });
    const [message] = withStockEncoding(publish).messages;
    expect(Object.entries(message!.headers!).map(([name, value]) => [name, value.toString()])).toEqual([
      [KAFKA_HEADERS.ceId, 'id-1'],
      [KAFKA_HEADERS.ceType, 'test.thread-messages.v1'],
      [KAFKA_HEADERS.ceSource, '/ingest'],
      [KAFKA_HEADERS.ceSpecVersion, CLOUDEVENTS_SPEC_VERSION],
      [KAFKA_HEADERS.contentType, JSON_CONTENT_TYPE],
      [KAFKA_HEADERS.correlationId, 'corr-1'],
      [KAFKA_HEADERS.ceTime, '2025-11-24T08:00:00.000Z'],
    ]);
  });

  it('are never smaller, by their byte estimates, than their records: sends cut by the estimates stay under the limit', () => {
    fc.assert(
      fc.property(items, publishOptions, (list, options) => {
        const plain = withStockEncoding(publishOf(list, options)).messages;
        for (const publishMessages of [withFastEncoding, withStockEncoding]) {
          const { bytes } = publishMessages(publishOf(list, options));
          // A record's offset delta in a send below 2^21 takes at most 3 bytes; that is the worst case here.
          plain.forEach((m, i) => expect(bytes[i]).toBeGreaterThanOrEqual(stockRecord({ ...m, offsetDelta: 2 ** 21 - 1, timestampDelta: 0 }).buffer.length));
        }
      }),
      { numRuns: 100 },
    );
  });

  it('are plain kafkajs messages when the records cannot be pre-encoded', () => {
    const declining = createPublishMessages({ installed: true, preEncodeMessages: () => null, PER_RECORD: fast.PER_RECORD });
    const publish = publishOf([{ key: 'dev-1', json: '{"n":1}', id: 'id-1' }], { source: '/ingest', time: '2025-11-24T08:00:00.000Z' });
    const [message] = declining(publish).messages;
    expect(Buffer.isBuffer(message!.value)).toBe(true);
    expect(message!.headers![KAFKA_HEADERS.ceId]).toBe('id-1');
  });
});

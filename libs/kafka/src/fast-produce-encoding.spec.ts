import fc from 'fast-check';
import { FAST_PRODUCE_ENCODING_SOURCE } from './fast-produce-encoding-source';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's own internal encoders are the reference */
const Long = require('kafkajs/src/utils/long');
const Encoder = require('kafkajs/src/protocol/encoder');
const stockRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const stockRecordBatchModule = require('kafkajs/src/protocol/recordBatch/v0');
const { RecordBatch: stockRecordBatch } = stockRecordBatchModule;
const stockProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request');
const stockCreateRequest = require('kafkajs/src/protocol/request');
const { Produce: produceApiKey } = require('kafkajs/src/protocol/requests/apiKeys');
const stockCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
const stockGroup = require('kafkajs/src/producer/groupMessagesPerPartition');
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');
const { Partitioners } = require('kafkajs');
/* eslint-enable @typescript-eslint/no-require-imports */

interface Encoded {
  buffer: Buffer;
  size(): number;
}
interface Request {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<Encoded>;
}
interface PublishInput {
  keys: (string | null)[];
  values: Buffer;
  valueOffsets: Uint32Array;
  headers: Record<string | symbol, unknown>;
  perRecordValues: string[];
}
type Message = { key?: unknown; value?: unknown; headers?: Record<string, unknown>; timestamp?: number };
interface FastEncoding {
  Record: (fields: object) => unknown;
  RecordBatch: (options: object) => Promise<Encoded>;
  ProduceRequest: (args: object) => Request;
  createRequest: (args: { correlationId: number; clientId: string | null; request: Request }) => Promise<Encoded>;
  groupMessagesPerPartition: (args: object) => Record<string, unknown[]>;
  crc32c: (buf: Buffer, start: number, end: number) => number;
  createKeyHashPartitioner: (stock: () => (args: object) => number, maxKeys?: number) => () => (args: object) => number;
  preEncodeMessages: (input: PublishInput) => Message[] | null;
  PER_RECORD: symbol;
}

// The source runs as the producer thread runs it: evaluated, with this module's require.
const evaluated = new Function('require', `${FAST_PRODUCE_ENCODING_SOURCE}\nreturn { createFastProduceEncoding, installFastProduceEncoding };`)(require) as {
  createFastProduceEncoding: (deps: object) => FastEncoding;
  installFastProduceEncoding: (kafkajsPath: string) => { installed: boolean; reason?: string };
};
// As installed in the thread: kafkajs's produce request, kept for compressed sends, calls the fast Record and
// RecordBatch (so that it can encode pre-encoded records too).
let produceRequestWithFastRecords: (args: object) => Request;
const fast = evaluated.createFastProduceEncoding({
  Long,
  Encoder,
  originalRecord: stockRecord,
  originalRecordBatch: stockRecordBatch,
  originalProduceRequest: (args: object) => produceRequestWithFastRecords(args),
  produceApiKey,
  murmur2,
});
jest.isolateModules(() => {
  jest.doMock('kafkajs/src/protocol/recordBatch/record/v0', () => fast.Record);
  jest.doMock('kafkajs/src/protocol/recordBatch/v0', () => ({ ...stockRecordBatchModule, RecordBatch: fast.RecordBatch }));
  produceRequestWithFastRecords = require('kafkajs/src/protocol/requests/produce/v3/request'); // eslint-disable-line @typescript-eslint/no-require-imports
});

// Any UTF-16 code unit, lone surrogates included (Buffer writes them as U+FFFD, and measures them so).
const anyUnits = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength });
// Around 64 UTF-16 units: the limit of the encoder's one-byte-length ASCII path, then multi-byte tails.
const aroundAsciiLimit = fc.tuple(fc.integer({ min: 60, max: 68 }), fc.constantFrom('', 'é', '✓', '😀', '\ud800')).map(([n, end]) => 'a'.repeat(n) + end);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 12 }), anyUnits(80), aroundAsciiLimit);
const bytes = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const headerValue = fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 }));
const timestamp = fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 4_000_000_000_000 }));
const message = fc.record(
  {
    key: fc.oneof(bytes, fc.constant(null)),
    value: fc.oneof(bytes, fc.constant(null)),
    headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), headerValue, { maxKeys: 8 }),
    timestamp,
  },
  { requiredKeys: ['key', 'value'] },
);
const batchOptions = fc.record({
  firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  producerId: fc.bigInt({ min: 0n, max: 2n ** 62n }).map((id) => Long.fromString(id.toString())),
  producerEpoch: fc.integer({ min: 0, max: 32767 }),
  partitionLeaderEpoch: fc.integer({ min: 0, max: 1000 }),
  transactional: fc.boolean(),
});

/**
 * A publish as the producer thread gets it: values back to back in one UTF-8 buffer, a key and an id each, and
 * the headers object its messages share, with the per-message id header first (or, when its name is also a
 * shared header's, overwritten by it: then no header varies).
 */
const publish = fc
  .record({
    items: fc.array(
      fc.record({
        key: fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) }),
        // Empty, short, multi-byte, and long enough for 2- and 3-byte varint lengths.
        value: fc.oneof(fc.constant(''), text, fc.string({ unit: 'grapheme', maxLength: 200 }), fc.nat({ max: 20_000 }).map((n) => 'v'.repeat(n))),
        id: text,
      }),
      { maxLength: 20 },
    ),
    shared: fc.dictionary(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('ce_type', '7', 'é✓')), headerValue, { maxKeys: 6 }),
    idHeaderChoice: fc.nat(),
  })
  .map(({ items, shared, idHeaderChoice }) => {
    const sharedNames = Object.keys(shared);
    const idHeader = idHeaderChoice % 4 === 0 && sharedNames.length > 0 ? sharedNames[idHeaderChoice % sharedNames.length]! : 'ce_id';
    const valueBuffers = items.map((item) => Buffer.from(item.value, 'utf8'));
    const valueOffsets = new Uint32Array(items.length + 1);
    valueBuffers.forEach((value, i) => (valueOffsets[i + 1] = valueOffsets[i]! + value.length));
    return { items, shared, idHeader, values: Buffer.concat(valueBuffers), valueOffsets };
  });
type Publish = typeof publish extends fc.Arbitrary<infer P> ? P : never;

/** The publish's messages the fast way (pre-encoded) and the plain way (what stock kafkajs gets). */
function messagesOf(p: Publish): { preEncoded: Message[]; plain: Message[] } {
  const preEncoded = fast.preEncodeMessages({
    keys: p.items.map((item) => item.key),
    values: p.values,
    valueOffsets: p.valueOffsets,
    headers: { [p.idHeader]: fast.PER_RECORD, ...p.shared },
    perRecordValues: p.items.map((item) => item.id),
  });
  if (preEncoded === null) throw new Error('expected the publish to be pre-encoded');
  const plain = p.items.map((item, i) => ({
    key: item.key,
    value: p.values.subarray(p.valueOffsets[i], p.valueOffsets[i + 1]),
    headers: { [p.idHeader]: item.id, ...p.shared },
  }));
  return { preEncoded, plain };
}

/** The records the way kafkajs's produce request v3 builds them, with either Record implementation. */
function recordsOf(messages: Message[], record: (fields: object) => unknown, now: number) {
  const timestamps = messages.map((m) => m.timestamp).filter((t): t is number => t != null).sort();
  const firstTimestamp = timestamps[0] ?? now;
  const maxTimestamp = timestamps[timestamps.length - 1] ?? now;
  const records = messages.map((m, i) => record({ ...m, offsetDelta: i, timestampDelta: (m.timestamp || now) - firstTimestamp }));
  return { records, firstTimestamp, maxTimestamp, lastOffsetDelta: messages.length - 1 };
}

/** Takes from `a` and `b` in the order `picks` says (true: next of a), then whatever is left. */
function interleave<T>(a: T[], b: T[], picks: boolean[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  for (const pick of picks) {
    if (pick && i < a.length) out.push(a[i++]!);
    else if (!pick && j < b.length) out.push(b[j++]!);
  }
  return [...out, ...a.slice(i), ...b.slice(j)];
}

/**
 * A partition's messages: pre-encoded and plain ones mixed, some with a timestamp (far ones make deltas that
 * only kafkajs's varlong can write), as `expected` (plain messages only, for stock kafkajs) and `actual`.
 */
const partitionMessages = fc
  .record({ publish, others: fc.array(message, { maxLength: 6 }), picks: fc.array(fc.boolean(), { maxLength: 30 }), timestamps: fc.array(timestamp, { maxLength: 30 }) })
  .map(({ publish: p, others, picks, timestamps }) => {
    const { preEncoded, plain } = messagesOf(p);
    const stamp = <M extends Message>(m: M, i: number): M => (timestamps[i] === undefined ? m : { ...m, timestamp: timestamps[i] });
    return {
      expected: interleave(plain.map(stamp), others, picks),
      actual: interleave(preEncoded.map(stamp), others, picks),
    };
  });

const produceArgs = fc.record({
  topics: fc.array(
    fc.record({
      topic: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.constant('attendance.punch.accepted.v1'), fc.constant('tópico-✓')),
      partitions: fc.array(fc.record({ partition: fc.nat({ max: 50 }), firstSequence: fc.option(fc.nat(), { nil: undefined }), messages: partitionMessages }), {
        minLength: 1,
        maxLength: 4,
      }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  acks: fc.constantFrom(-1, 0, 1),
  timeout: fc.nat({ max: 60_000 }),
  transactionalId: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 20 }), fc.constant('tx-é')),
  producerId: fc.oneof(fc.constant(undefined), fc.bigInt({ min: 0n, max: 2n ** 62n }).map((id) => Long.fromString(id.toString()))),
  producerEpoch: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 32767 })),
});
type ProduceArgs = typeof produceArgs extends fc.Arbitrary<infer A> ? A : never;

function produceRequestArgs(args: ProduceArgs, side: 'expected' | 'actual', compression?: number) {
  const { topics, ...rest } = args;
  return {
    ...rest,
    ...(compression === undefined ? {} : { compression }),
    topicData: topics.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map(({ partition, firstSequence, messages }) => ({ partition, firstSequence, messages: messages[side] })),
    })),
  };
}

const NOW = 1_764_000_000_000;

describe('fast produce encoding (producer thread)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('encodes a record batch byte for byte as kafkajs 2.2.4 does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 25 }), batchOptions, async (messages, options) => {
        const expected = await stockRecordBatch({ ...options, ...recordsOf(messages, stockRecord, NOW) });
        const actual = await fast.RecordBatch({ ...options, ...recordsOf(messages, fast.Record, NOW) });
        expect(actual.buffer.equals(expected.buffer)).toBe(true);
        expect(actual.size()).toBe(expected.size());
      }),
      { numRuns: 300 },
    );
  });

  it('encodes pre-encoded messages to the same record batch as kafkajs encodes the messages they stand for', async () => {
    await fc.assert(
      fc.asyncProperty(publish, batchOptions, async (p, options) => {
        const { preEncoded, plain } = messagesOf(p);
        const expected = await stockRecordBatch({ ...options, ...recordsOf(plain, stockRecord, NOW) });
        const actual = await fast.RecordBatch({ ...options, ...recordsOf(preEncoded, fast.Record, NOW) });
        expect(actual.buffer.equals(expected.buffer)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('encodes produce requests (several topics and partitions, pre-encoded and plain messages) byte for byte as kafkajs 2.2.4 does', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    await fc.assert(
      fc.asyncProperty(produceArgs, async (args) => {
        const stock: Request = stockProduceRequest(produceRequestArgs(args, 'expected'));
        const request = fast.ProduceRequest(produceRequestArgs(args, 'actual'));
        expect({ ...request, encode: null, expectResponse: request.expectResponse() }).toEqual({ ...stock, encode: null, expectResponse: stock.expectResponse() });
        const expected = (await stock.encode()).buffer;
        const actual = (await request.encode()).buffer;
        expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('leaves compressed batches and records it cannot encode (huge timestamp deltas) to kafkajs', async () => {
    const messages = [
      { key: 'k', value: 'old', timestamp: 1 },
      { key: 'k', value: 'new', timestamp: 4_000_000_000_000 },
    ];
    const expected = await stockRecordBatch(recordsOf(messages, stockRecord, NOW));
    const actual = await fast.RecordBatch(recordsOf(messages, fast.Record, NOW));
    expect(actual.buffer.equals(expected.buffer)).toBe(true);
    const gzip = 1;
    const compressedStock = await stockRecordBatch({ compression: gzip, firstTimestamp: NOW, maxTimestamp: NOW, records: [stockRecord({ key: 'k', value: 'v' })] });
    const compressedFast = await fast.RecordBatch({ compression: gzip, firstTimestamp: NOW, maxTimestamp: NOW, records: [fast.Record({ key: 'k', value: 'v' })] });
    // gzip output embeds no time here (zlib), so the bytes must match too.
    expect(compressedFast.buffer.equals(compressedStock.buffer)).toBe(true);
  });

  it('sends compressed produce requests through kafkajs, pre-encoded messages included', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const gzip = 1;
    await fc.assert(
      fc.asyncProperty(produceArgs, async (args) => {
        const expected = (await stockProduceRequest(produceRequestArgs(args, 'expected', gzip)).encode()).buffer;
        const actual = (await fast.ProduceRequest(produceRequestArgs(args, 'actual', gzip)).encode()).buffer;
        expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('frames requests byte for byte as kafkajs protocol/request does, without copying a produce request', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(NOW);
    const clientId = fc.oneof(fc.constant(null), fc.string({ maxLength: 40 }), fc.constant('ingest-✓'), fc.constant('c'.repeat(300)));
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((b) => () => ({ encode: async () => new Encoder().writeBuffer(Buffer.from(b)) })),
      produceArgs.map((args) => () => fast.ProduceRequest(produceRequestArgs(args, 'actual'))),
    );
    await fc.assert(
      fc.asyncProperty(clientId, fc.nat({ max: 2 ** 31 - 1 }), fc.nat({ max: 70 }), fc.nat({ max: 12 }), payload, async (id, correlationId, apiKey, apiVersion, makeRequest) => {
        const request = () => ({ apiKey, apiVersion, ...makeRequest() }) as unknown as Request;
        const expected = (await stockCreateRequest({ correlationId, clientId: id, request: request() })).buffer;
        const actual = (await fast.createRequest({ correlationId, clientId: id, request: request() })).buffer;
        expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('makes a pre-encoded record fail loudly in stock kafkajs code rather than pass for a value', () => {
    const [preEncoded] = fast.preEncodeMessages({ keys: ['k'], values: Buffer.from('v'), valueOffsets: Uint32Array.of(0, 1), headers: {}, perRecordValues: ['id'] })!;
    expect(() => String(preEncoded!.value)).toThrow(/pre-encoded/);
    expect(() => stockRecord({ ...preEncoded, offsetDelta: 0, timestampDelta: 0 })).toThrow();
  });

  it('declines to pre-encode what kafkajs would not encode as given (the thread then sends plain messages)', () => {
    const one = { values: Buffer.from('v'), valueOffsets: Uint32Array.of(0, 1), perRecordValues: ['id'] };
    expect(fast.preEncodeMessages({ ...one, keys: ['k'], headers: { n: 5 } })).toBeNull();
    expect(fast.preEncodeMessages({ ...one, keys: ['k'], headers: { a: fast.PER_RECORD, b: fast.PER_RECORD } })).toBeNull();
    expect(fast.preEncodeMessages({ ...one, keys: [7 as unknown as string], headers: {} })).toBeNull();
    expect(fast.preEncodeMessages({ ...one, keys: ['k'], headers: { id: fast.PER_RECORD }, perRecordValues: [null as unknown as string] })).toBeNull();
  });

  it('computes the same CRC-32C as kafkajs, at every alignment', () => {
    fc.assert(
      // size 'max': lengths spread over the whole range, most of them past the 64 bytes the word loop needs.
      fc.property(fc.uint8Array({ maxLength: 2000, size: 'max' }), fc.nat({ max: 9 }), fc.nat({ max: 9 }), (array, skip, cut) => {
        const buf = Buffer.from(array);
        const start = Math.min(skip, buf.length);
        const end = Math.max(start, buf.length - cut);
        expect(fast.crc32c(buf, start, end)).toBe(stockCrc32C(buf.subarray(start, end)));
      }),
      { numRuns: 500 },
    );
    expect(fast.crc32c(Buffer.from('123456789'), 0, 9)).toBe(0xe3069283); // the CRC-32C check value
  });

  it('groups messages by partition like kafkajs, and its partitioner picks the same partitions as DefaultPartitioner', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null)), partition: fc.oneof(fc.constant(undefined), fc.nat({ max: 5 })) }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (messages, partitions) => {
          const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0 }));
          // Keyless messages go round-robin from a random start in kafkajs, so compare keyed (or pinned) ones.
          const deterministic = messages.filter((m) => m.key !== null || m.partition !== undefined);
          const stockPartitioner = Partitioners.DefaultPartitioner();
          const fastPartitioner = fast.createKeyHashPartitioner(Partitioners.DefaultPartitioner, 8)();
          for (const m of deterministic) {
            const args = { topic: 't', partitionMetadata, message: m };
            expect(fastPartitioner(args)).toBe(stockPartitioner(args));
            expect(fastPartitioner(args)).toBe(stockPartitioner(args)); // memoised
          }
          const byPartition = (m: { partition?: number; key: string | null }) => m.partition ?? (m.key === null ? 0 : (murmur2(m.key) & 0x7fffffff) % partitions);
          const partitioner = ({ message: m }: { message: { partition?: number; key: string | null } }) => byPartition(m);
          const args = { topic: 't', partitionMetadata, messages, partitioner };
          expect(fast.groupMessagesPerPartition(args)).toEqual(stockGroup(args));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses to install once kafkajs is loaded (it could not replace modules already bound)', () => {
    expect(evaluated.installFastProduceEncoding(require.resolve('kafkajs'))).toMatchObject({ installed: false });
  });
});

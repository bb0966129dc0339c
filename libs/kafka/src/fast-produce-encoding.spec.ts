import fc from 'fast-check';
import { FAST_PRODUCE_ENCODING_SOURCE } from './fast-produce-encoding-source';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's own internal encoders are the reference */
const Long = require('kafkajs/src/utils/long');
const stockRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const { RecordBatch: stockRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const stockCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
const stockGroup = require('kafkajs/src/producer/groupMessagesPerPartition');
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2');
const { Partitioners } = require('kafkajs');
/* eslint-enable @typescript-eslint/no-require-imports */

interface FastEncoding {
  Record: (fields: object) => unknown;
  RecordBatch: (options: object) => Promise<{ buffer: Buffer; size(): number }>;
  groupMessagesPerPartition: (args: object) => Record<string, unknown[]>;
  crc32c: (buf: Buffer, start: number, end: number) => number;
  createKeyHashPartitioner: (stock: () => (args: object) => number, maxKeys?: number) => () => (args: object) => number;
}

// The source runs as the producer thread runs it: evaluated, with this module's require.
const evaluated = new Function('require', `${FAST_PRODUCE_ENCODING_SOURCE}\nreturn { createFastProduceEncoding, installFastProduceEncoding };`)(require) as {
  createFastProduceEncoding: (deps: object) => FastEncoding;
  installFastProduceEncoding: (kafkajsPath: string) => { installed: boolean; reason?: string };
};
const fast = evaluated.createFastProduceEncoding({ Long, originalRecord: stockRecord, originalRecordBatch: stockRecordBatch, murmur2 });

const bytes = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
);
const headerValue = fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 }));
const message = fc.record(
  {
    key: fc.oneof(bytes, fc.constant(null)),
    value: fc.oneof(bytes, fc.constant(null)),
    headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), headerValue, { maxKeys: 8 }),
    timestamp: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 4_000_000_000_000 })),
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

/** The records the way kafkajs's produce request v3 builds them, with either Record implementation. */
function recordsOf(messages: { timestamp?: number }[], record: (fields: object) => unknown, now: number) {
  const timestamps = messages.map((m) => m.timestamp).filter((t): t is number => t != null).sort();
  const firstTimestamp = timestamps[0] ?? now;
  const maxTimestamp = timestamps[timestamps.length - 1] ?? now;
  const records = messages.map((m, i) => record({ ...m, offsetDelta: i, timestampDelta: (m.timestamp || now) - firstTimestamp }));
  return { records, firstTimestamp, maxTimestamp, lastOffsetDelta: messages.length - 1 };
}

describe('fast produce encoding (producer thread)', () => {
  it('encodes a record batch byte for byte as kafkajs 2.2.4 does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 25 }), batchOptions, async (messages, options) => {
        const now = 1_764_000_000_000;
        const expected = await stockRecordBatch({ ...options, ...recordsOf(messages, stockRecord, now) });
        const actual = await fast.RecordBatch({ ...options, ...recordsOf(messages, fast.Record, now) });
        expect(actual.buffer.equals(expected.buffer)).toBe(true);
        expect(actual.size()).toBe(expected.size());
      }),
      { numRuns: 300 },
    );
  });

  it('leaves compressed batches and records it cannot encode (huge timestamp deltas) to kafkajs', async () => {
    const messages = [
      { key: 'k', value: 'old', timestamp: 1 },
      { key: 'k', value: 'new', timestamp: 4_000_000_000_000 },
    ];
    const now = 1_764_000_000_000;
    const expected = await stockRecordBatch(recordsOf(messages, stockRecord, now));
    const actual = await fast.RecordBatch(recordsOf(messages, fast.Record, now));
    expect(actual.buffer.equals(expected.buffer)).toBe(true);
    const gzip = 1;
    const compressedStock = await stockRecordBatch({ compression: gzip, firstTimestamp: now, maxTimestamp: now, records: [stockRecord({ key: 'k', value: 'v' })] });
    const compressedFast = await fast.RecordBatch({ compression: gzip, firstTimestamp: now, maxTimestamp: now, records: [fast.Record({ key: 'k', value: 'v' })] });
    // gzip output embeds no time here (zlib), so the bytes must match too.
    expect(compressedFast.buffer.equals(compressedStock.buffer)).toBe(true);
  });

  it('computes the same CRC-32C as kafkajs, at every alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat({ max: 9 }), (array, skip) => {
        const buf = Buffer.from(array);
        const start = Math.min(skip, buf.length);
        expect(fast.crc32c(buf, start, buf.length)).toBe(stockCrc32C(buf.subarray(start)));
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

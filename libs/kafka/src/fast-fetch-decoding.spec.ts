import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { createFastRecordBatchDecoder, installFastFetchDecoding, type KafkajsDecoder, type RecordBatchDecoder } from './fast-fetch-decoding';
import { ByteCursor, NOT_HANDLED, safeIntegerToDecimal } from './fast-fetch-decoding-bytes';
import { HeadersReader } from './fast-fetch-decoding-headers';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's own internal encoders and decoders are the reference */
const Decoder = require('kafkajs/src/protocol/decoder');
const Encoder = require('kafkajs/src/protocol/encoder');
const Long = require('kafkajs/src/utils/long');
const stockRecord = require('kafkajs/src/protocol/recordBatch/record/v0');
const stockRecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
const stockDecodeBatch: RecordBatchDecoder = require('kafkajs/src/protocol/recordBatch/v0/decoder');
const stockDecodeMessages: DecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages');
/* eslint-enable @typescript-eslint/no-require-imports */

type DecodeMessages = (decoder: KafkajsDecoder) => Promise<unknown[]>;
type Bytes = string | Buffer;
type RawRecord = { buf: Buffer; buffer: Buffer };

const GZIP = 1;
const ATTRIBUTES_LOW_BYTE_AT = 22; // batch attributes (int16 at 21): timestamp type and control flags
const LOG_APPEND_TIME_FLAG = 0x08;
const CONTROL_FLAG = 0x20;
const CLOUD_EVENTS_HEADERS = ['ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_specversion', 'content-type'];

// ---------------------------------------------------------------------------------------------------------------
// Comparing the fast decoder with kafkajs's: same result (deep, strict), same views of the same memory, same key
// order, same errors, same position of the fetch Decoder afterwards.

function viewOf(bytes: unknown, input: Buffer): unknown {
  if (!Buffer.isBuffer(bytes)) return bytes;
  return { byteOffset: bytes.byteOffset, length: bytes.length, sameMemory: bytes.buffer === input.buffer };
}

/** What toEqual does not check: key lists (order, no extras), prototypes, Buffers and the memory they view. */
function shapeOf(batch: { records: Record<string, unknown>[] }, input: Buffer): unknown {
  return {
    batchKeys: Object.keys(batch),
    records: batch.records.map((record) => {
      const headers = record.headers as Record<string, unknown>;
      return {
        keys: Object.keys(record),
        headerKeys: Object.keys(headers),
        headerPrototype: Object.getPrototypeOf(headers) === Object.prototype,
        key: viewOf(record.key, input),
        value: viewOf(record.value, input),
        headerValues: Object.values(headers).map((v) => (Array.isArray(v) ? v.map((item) => viewOf(item, input)) : viewOf(v, input))),
        sharesBatchContext: record.batchContext === batch.records[0]!.batchContext,
      };
    }),
  };
}

function describeError(error: unknown): unknown {
  return error instanceof Error ? { class: error.constructor.name, name: error.name, message: error.message } : { thrown: error };
}

async function outcomeOf(decode: RecordBatchDecoder, input: Buffer, at = 0): Promise<unknown> {
  const decoder: KafkajsDecoder = new Decoder(input);
  decoder.offset = at;
  try {
    const batch = await decode(decoder);
    return { batch, shape: shapeOf(batch as unknown as { records: Record<string, unknown>[] }, input), offset: decoder.offset };
  } catch (error) {
    return { error: describeError(error), offset: decoder.offset };
  }
}

/**
 * toEqual, not toStrictEqual: the latter compares `a.constructor === b.constructor`, which for headers with a
 * "constructor" header compares two (equal) arrays by identity. shapeOf checks what toEqual leaves out (key
 * lists, so no undefined-valued extras; prototypes; Buffers being Buffers on the same memory).
 */
async function expectSameAsKafkajs(input: Buffer, at = 0): Promise<void> {
  expect(await outcomeOf(createFastRecordBatchDecoder(countingStockDecodeBatch), input, at)).toEqual(await outcomeOf(stockDecodeBatch, input, at));
}

/** How many batches the fast decoder handed to kafkajs's: a test of equality is only worth it if that is rare. */
let leftToKafkajs = 0;
const countingStockDecodeBatch: RecordBatchDecoder = (decoder) => {
  leftToKafkajs++;
  return stockDecodeBatch(decoder);
};

// ---------------------------------------------------------------------------------------------------------------
// Batches written by kafkajs's own encoders (RecordBatch, Record), plus raw records for what they cannot write.

interface BatchOptions {
  firstOffset: bigint;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  transactional: boolean;
  logAppendTime?: boolean;
  control?: boolean;
  compression?: number;
}

const DEFAULT_BATCH: BatchOptions = {
  firstOffset: 5_000_000_000n,
  firstTimestamp: 1_764_000_000_000n,
  maxTimestamp: 1_764_000_000_005n,
  producerId: -1n,
  producerEpoch: 0,
  firstSequence: 0,
  partitionLeaderEpoch: 0,
  lastOffsetDelta: 0,
  transactional: false,
};

async function encodeBatch(records: unknown[], options: BatchOptions = DEFAULT_BATCH): Promise<Buffer> {
  const encoded = await RecordBatch({
    ...options,
    firstOffset: Long.fromValue(options.firstOffset),
    firstTimestamp: Long.fromValue(options.firstTimestamp),
    maxTimestamp: Long.fromValue(options.maxTimestamp),
    producerId: Long.fromValue(options.producerId),
    records,
  });
  const bytes = Buffer.from(encoded.buffer);
  // kafkajs's encoder never sets these flags (the broker does); the decoder does not check the CRC.
  if (options.logAppendTime) bytes[ATTRIBUTES_LOW_BYTE_AT] = bytes[ATTRIBUTES_LOW_BYTE_AT]! | LOG_APPEND_TIME_FLAG;
  if (options.control) bytes[ATTRIBUTES_LOW_BYTE_AT] = bytes[ATTRIBUTES_LOW_BYTE_AT]! | CONTROL_FLAG;
  return bytes;
}

const varInt = (value: number): Buffer => new Encoder().writeVarInt(value).buffer;
const varLong = (value: bigint | number): Buffer => new Encoder().writeVarLong(Long.fromValue(value)).buffer;
const varBytes = (value: Bytes | null): Buffer => new Encoder().writeVarIntBytes(value).buffer;
const varString = (value: string): Buffer => new Encoder().writeVarIntString(value).buffer;

/** A record from its fields' bytes, prefixed with their length (or `length` when given, to lie about it). */
function rawRecord(fields: Buffer[], length?: number): RawRecord {
  const body = Buffer.concat(fields);
  const bytes = Buffer.concat([varInt(length ?? body.length), body]);
  return { buf: bytes, buffer: bytes };
}

interface RecordFields {
  timestampDelta?: number;
  offsetDelta?: number;
  key?: Bytes | null;
  value?: Bytes | null;
  /** The header count and headers, already encoded. */
  headers?: Buffer;
}

/** attributes, timestampDelta, offsetDelta, key, value, headers. */
function recordFields({ timestampDelta = 0, offsetDelta = 0, key = 'k', value = 'v', headers = varInt(0) }: RecordFields): Buffer[] {
  return [Buffer.from([0]), varLong(timestampDelta), varInt(offsetDelta), varBytes(key), varBytes(value), headers];
}

function rawHeaders(pairs: [name: Buffer | string | null, value: Bytes | null][], count = pairs.length): Buffer {
  const name = (n: Buffer | string | null) => (n === null ? varInt(-1) : Buffer.isBuffer(n) ? Buffer.concat([varInt(n.length), n]) : varString(n));
  return Buffer.concat([varInt(count), ...pairs.flatMap(([n, v]) => [name(n), varBytes(v)])]);
}

// ---------------------------------------------------------------------------------------------------------------
// Random batches

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }));
const bytes: fc.Arbitrary<Bytes> = fc.oneof(text, fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)));
const nullableBytes = fc.oneof(fc.constant(null), bytes);
const headerName = fc.oneof(
  fc.constantFrom(...CLOUD_EVENTS_HEADERS, '__proto__', 'toString', 'constructor', 'valueOf', 'hasOwnProperty', '1', '0', '10', '', 'ünï', '😀'),
  fc.string({ maxLength: 12 }),
);
/** A producer's header names: each with how many times it repeats in a record (kafkajs writes arrays that way). */
const headerTemplate = fc.uniqueArray(fc.tuple(headerName, fc.integer({ min: 1, max: 3 })), { selector: ([name]) => name, maxLength: 8 });
const timestampDelta = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
);
/** Rarely, one record of the batch has a timestamp delta of up to 2^62 (beyond 2^48: the batch is kafkajs's). */
const hugeTimestampDelta = fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }) });
const record = fc.record({
  key: nullableBytes,
  value: nullableBytes,
  offsetGap: fc.oneof(fc.constant(1), fc.nat({ max: 100_000 })),
  timestampDelta,
  template: fc.nat(),
  headerValues: fc.array(bytes, { maxLength: 6 }),
});
const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const batchOptions: fc.Arbitrary<BatchOptions> = fc.record({
  firstOffset: fc.oneof(
    { weight: 12, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 40n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 53n - 10_000n, max: 2n ** 53n + 10n }) }, // Numbers' limit
    { weight: 1, arbitrary: int64 },
  ),
  firstTimestamp: fc.oneof(
    { weight: 12, arbitrary: fc.bigInt({ min: 1_700_000_000_000n, max: 1_800_000_000_000n }) },
    { weight: 2, arbitrary: fc.constantFrom(-1n, 0n) },
    { weight: 1, arbitrary: int64 },
  ),
  maxTimestamp: fc.oneof(fc.bigInt({ min: 1_700_000_000_000n, max: 1_800_000_000_000n }), int64),
  producerId: fc.oneof(fc.constant(-1n), int64),
  producerEpoch: fc.integer({ min: -32768, max: 32767 }),
  firstSequence: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  partitionLeaderEpoch: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  lastOffsetDelta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  logAppendTime: fc.boolean(),
  control: fc.oneof({ weight: 19, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});
const batchSpec = fc.record({
  options: batchOptions,
  templates: fc.array(headerTemplate, { minLength: 1, maxLength: 6 }),
  records: fc.array(record, { maxLength: 30 }),
  hugeTimestampDelta,
});

type BatchSpec = typeof batchSpec extends fc.Arbitrary<infer T> ? T : never;

/** kafkajs's Record for each random record: headers from one of the batch's templates, values in turn. */
function recordsOf(spec: BatchSpec): unknown[] {
  let offsetDelta = 0;
  return spec.records.map((r, i) => {
    offsetDelta = i === 0 ? 0 : offsetDelta + r.offsetGap;
    const template = spec.templates[r.template % spec.templates.length]!;
    let next = 0;
    const nextValue = (): Bytes => (r.headerValues.length === 0 ? '' : r.headerValues[next++ % r.headerValues.length]!);
    // fromEntries defines own properties, so "__proto__" is a header like any other (as on the wire).
    const headers = Object.fromEntries(template.map(([name, times]) => [name, times === 1 ? nextValue() : Array.from({ length: times }, nextValue)]));
    const timestampDelta = i === 0 && spec.hugeTimestampDelta !== null ? spec.hugeTimestampDelta : r.timestampDelta;
    return stockRecord({ key: r.key, value: r.value, headers, offsetDelta, timestampDelta: Long.fromValue(timestampDelta) });
  });
}

const randomBatch = batchSpec.map((spec) => ({ spec, encode: () => encodeBatch(recordsOf(spec), spec.options) }));

describe('fast fetch decoding: record batches', () => {
  it('decodes random batches exactly as kafkajs 2.2.4 does', async () => {
    leftToKafkajs = 0;
    const runs = 300;
    await fc.assert(
      fc.asyncProperty(randomBatch, fc.uint8Array({ maxLength: 5 }), fc.uint8Array({ maxLength: 70 }), async ({ encode }, before, after) => {
        const batch = await encode();
        // Bytes around the batch: it is read from the fetch Decoder's position, and the Decoder moved past it.
        await expectSameAsKafkajs(Buffer.concat([before, batch, after]), before.length);
      }),
      { numRuns: runs },
    );
    // The generators make some batches kafkajs's on purpose (control batches, huge deltas and offsets): ~25%.
    expect(leftToKafkajs).toBeLessThan(runs * 0.4);
  });

  it('decodes a batch of CloudEvents messages like kafkajs, headers by the compiled literal', async () => {
    const records = Array.from({ length: 50 }, (_, i) =>
      stockRecord({
        key: `device-${i % 7}`,
        value: JSON.stringify({ eventId: `e-${i}`, site: 'Zürich' }),
        offsetDelta: i,
        timestampDelta: i >> 3,
        headers: Object.fromEntries(CLOUD_EVENTS_HEADERS.map((name) => [name, `${name}-${i}`])),
      }),
    );
    leftToKafkajs = 0;
    await expectSameAsKafkajs(await encodeBatch(records));
    expect(leftToKafkajs).toBe(0);
  });

  it('behaves as kafkajs on every truncation of a batch (KafkaJSPartialMessageError, RangeError...)', async () => {
    const batch = await encodeBatch([
      stockRecord({ key: 'a', value: 'first', headers: { ce_id: '1', 'content-type': 'application/json' } }),
      stockRecord({ key: null, value: 'second', offsetDelta: 1, headers: { ce_id: ['2', '3'] } }),
    ]);
    for (let cut = 0; cut <= batch.length; cut++) await expectSameAsKafkajs(batch.subarray(0, cut));
  });

  it('decodes as kafkajs does whatever batch with a byte changed it vouches for', async () => {
    // Only those: on some corrupt batches kafkajs itself runs out of memory (a header count misread as ~2^31 makes
    // it fill an array that large), and what the fast decoder declines goes to kafkajs's decoder anyway.
    const declined = new Error('declined');
    const fastOrDecline = createFastRecordBatchDecoder(() => Promise.reject(declined));
    let vouchedFor = 0;
    const runs = 400;
    await fc.assert(
      fc.asyncProperty(randomBatch, fc.nat(), fc.integer({ min: 0, max: 255 }), async ({ encode }, at, byte) => {
        const batch = Buffer.from(await encode());
        batch[at % batch.length] = byte;
        const fast = await outcomeOf(fastOrDecline, batch);
        if ((fast as { error?: { message?: string } }).error?.message === declined.message) return;
        vouchedFor++;
        expect(fast).toEqual(await outcomeOf(stockDecodeBatch, batch));
      }),
      { numRuns: runs },
    );
    expect(vouchedFor).toBeGreaterThan(runs * 0.4); // ~60%: most bytes are in keys and values
  });

  it('leaves compressed, control and legacy-magic batches, and huge deltas and offsets, to kafkajs', async () => {
    const records = () => [stockRecord({ key: 'k', value: 'v', headers: { a: 'b' } }), stockRecord({ key: 'k', value: 'w', offsetDelta: 1 })];
    await expectSameAsKafkajs(await encodeBatch(records(), { ...DEFAULT_BATCH, compression: GZIP }));
    await expectSameAsKafkajs(await encodeBatch(records(), { ...DEFAULT_BATCH, control: true }));
    const legacyMagic = await encodeBatch(records());
    legacyMagic[16] = 1;
    await expectSameAsKafkajs(legacyMagic);
    await expectSameAsKafkajs(await encodeBatch([stockRecord({ key: 'k', value: 'v', timestampDelta: Long.fromValue(2n ** 50n) })]));
    // Offsets crossing 2^53 (Numbers would round): the whole batch is kafkajs's.
    await expectSameAsKafkajs(await encodeBatch(records(), { ...DEFAULT_BATCH, firstOffset: 2n ** 53n - 1n }));
    await expectSameAsKafkajs(await encodeBatch(records(), { ...DEFAULT_BATCH, firstOffset: 2n ** 63n - 1n, firstTimestamp: -(2n ** 63n) }));
  });

  it('decodes log-append-time batches with the batch max timestamp, as kafkajs does', async () => {
    const batch = await encodeBatch([stockRecord({ key: 'k', value: 'v', timestampDelta: 7 })], { ...DEFAULT_BATCH, logAppendTime: true });
    await expectSameAsKafkajs(batch);
    const { batch: decoded } = (await outcomeOf(createFastRecordBatchDecoder(stockDecodeBatch), batch)) as { batch: { records: { timestamp: string }[] } };
    expect(decoded.records[0]!.timestamp).toBe('1764000000005');
  });

  it('matches kafkajs on records its encoder cannot write: null header values and names, odd lengths, long varints', async () => {
    const cases: RawRecord[][] = [
      [rawRecord(recordFields({ headers: rawHeaders([['ce_id', null], ['x', null], ['x', 'y']]) }))],
      [rawRecord(recordFields({ headers: varInt(-1) }))], // a -1 header count: no headers
      [rawRecord(recordFields({ headers: varInt(-2) }))],
      [rawRecord(recordFields({ headers: rawHeaders([[null, 'v']]) }))], // a null name: kafkajs names it "null"
      [rawRecord(recordFields({ headers: rawHeaders([[Buffer.from([0xff, 0xfe, 0x41]), 'v']]) }))], // not UTF-8
      [rawRecord(recordFields({ key: null, value: null }))],
      [rawRecord([...recordFields({}), Buffer.from('trailing bytes kafkajs ignores')])],
      [rawRecord(recordFields({}), 3)], // a length shorter than the fields: kafkajs reads past it leniently
      [rawRecord(recordFields({}), 0)],
      [rawRecord(recordFields({}), -1)],
      [rawRecord(recordFields({}), 10_000)],
      [rawRecord([Buffer.from([0]), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])])], // 11-byte varlong
      [rawRecord([Buffer.from([0, 0]), Buffer.from([0x82, 0x80, 0x80, 0x80, 0x00]), ...recordFields({}).slice(3)])], // 5-byte offsetDelta
      [rawRecord([Buffer.from([0, 0]), Buffer.from([0x82, 0x80, 0x80, 0x80, 0x80, 0x00]), ...recordFields({}).slice(3)])], // 6 bytes
      [rawRecord([Buffer.from([0, 0]), Buffer.from([0x82, 0x80, 0x80, 0x80, 0x7f]), ...recordFields({}).slice(3)])], // 5th byte > 4 bits
      [rawRecord(recordFields({ key: Buffer.alloc(0), value: '' }))],
      [rawRecord([Buffer.from([0x80]), ...recordFields({}).slice(1)])], // negative record attributes
    ];
    for (const records of cases) await expectSameAsKafkajs(await encodeBatch(records));
  });

  it('builds headers whose names resolve on Object.prototype exactly as kafkajs does', async () => {
    const names = ['__proto__', 'toString', 'constructor', 'hasOwnProperty', '__defineGetter__', 'valueOf'];
    for (const name of names) {
      for (const repeats of [1, 2, 3]) {
        const pairs = Array.from({ length: repeats }, (_, i): [string, string] => [name, `v${i}`]);
        const headers = rawHeaders([['a', 'first'], ...pairs, ['z', 'last']]);
        await expectSameAsKafkajs(await encodeBatch([rawRecord(recordFields({ headers })), rawRecord(recordFields({ headers, offsetDelta: 1 }))]));
      }
    }
  });

  it('handles odd batch headers as kafkajs does (record count -1 or beyond the bytes, short lengths)', async () => {
    const batch = await encodeBatch([stockRecord({ key: 'k', value: 'v' })]);
    const withCount = (count: number) => {
      const copy = Buffer.from(batch);
      copy.writeInt32BE(count, 57);
      return copy;
    };
    const withLength = (length: number) => {
      const copy = Buffer.from(batch);
      copy.writeInt32BE(length, 8);
      return copy;
    };
    for (const count of [-1, -2, 0, 2, 1000, 2 ** 31 - 1]) await expectSameAsKafkajs(withCount(count));
    for (const length of [-1, 0, 48, 49, batch.length - 12 - 1, batch.length - 12 + 1]) await expectSameAsKafkajs(withLength(length));
  });
});

describe('fast fetch decoding: header layouts', () => {
  /** kafkajs's headers for a record carrying these header bytes. */
  function stockHeadersOf(headerBytes: Buffer): unknown {
    const body = Buffer.concat(recordFields({ headers: headerBytes }));
    return stockRecordDecoder(new Decoder(body), { firstOffset: '0', firstTimestamp: '0' }).headers;
  }
  function expectSameHeaders(fast: unknown, stock: unknown): void {
    expect(fast).toEqual(stock); // see expectSameAsKafkajs for why not toStrictEqual
    expect(Object.keys(fast as object)).toEqual(Object.keys(stock as object));
  }
  function fastHeadersOf(reader: HeadersReader, headerBytes: Buffer): unknown {
    const padded = Buffer.concat([Buffer.from('before'), headerBytes]);
    return reader.read(new ByteCursor(padded, 6, padded.length));
  }

  it('compiles one layout per sequence of names and reuses it', () => {
    const reader = new HeadersReader();
    for (let i = 0; i < 20; i++) {
      const headerBytes = rawHeaders(CLOUD_EVENTS_HEADERS.map((name) => [name, `${name}-${i}`]));
      expectSameHeaders(fastHeadersOf(reader, headerBytes), stockHeadersOf(headerBytes));
    }
    expect(reader.compiledLayouts).toBe(1);
  });

  it('stops compiling after its budget, and still decodes like kafkajs', () => {
    const reader = new HeadersReader();
    for (let i = 0; i < 80; i++) {
      const headerBytes = rawHeaders([[`name-${i}`, 'v'], ['ce_id', `${i}`]]);
      expectSameHeaders(fastHeadersOf(reader, headerBytes), stockHeadersOf(headerBytes));
    }
    expect(reader.compiledLayouts).toBe(64);
  });

  it('builds name by name where code generation from strings is disallowed', () => {
    const disallowed = jest.spyOn(globalThis, 'Function').mockImplementation(() => {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    try {
      const reader = new HeadersReader();
      for (let i = 0; i < 3; i++) {
        const headerBytes = rawHeaders(CLOUD_EVENTS_HEADERS.map((name) => [name, `${name}-${i}`]));
        expectSameHeaders(fastHeadersOf(reader, headerBytes), stockHeadersOf(headerBytes));
      }
      expect(reader.compiledLayouts).toBe(0);
      expect(disallowed).toHaveBeenCalledTimes(1); // and never tried again
    } finally {
      disallowed.mockRestore();
    }
  });

  it('never takes a layout for names that differ in a byte, in length or in count', () => {
    fc.assert(
      fc.property(fc.array(headerTemplate, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (templates, picks) => {
        const reader = new HeadersReader();
        for (const pick of picks) {
          const template = templates[pick % templates.length]!;
          const headerBytes = rawHeaders(template.flatMap(([name, times]) => Array.from({ length: times }, (_, i): [string, string] => [name, `${pick}-${i}`])));
          expectSameHeaders(fastHeadersOf(reader, headerBytes), stockHeadersOf(headerBytes));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('fast fetch decoding: numbers', () => {
  it('formats safe integers as String does', () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => expect(safeIntegerToDecimal(n)).toBe(String(n))), { numRuns: 2000 });
    for (const n of [0, 2 ** 31 - 1, 2 ** 31, 1e9, 1e9 - 1, 1e15 + 1, 2 ** 53 - 1, -1, -(2 ** 53) + 1, 5_000_000_000_000_007]) {
      expect(safeIntegerToDecimal(n)).toBe(String(n));
    }
  });

  it('reads varints and varlongs as kafkajs does, or declines', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 11 }), (array) => {
        const buf = Buffer.from(array);
        const stockVarInt = new Decoder(buf).readVarInt();
        const fastVarInt = attempt(() => new ByteCursor(buf, 0, buf.length).varInt());
        if (fastVarInt !== NOT_HANDLED) expect(fastVarInt).toBe(stockVarInt);
        const stockVarLong = attempt(() => new Decoder(buf).readVarLong().toString());
        const fastVarLong = attempt(() => new ByteCursor(buf, 0, buf.length).varLong());
        if (fastVarLong !== NOT_HANDLED) expect(String(fastVarLong)).toBe(stockVarLong);
      }),
      { numRuns: 3000 },
    );
  });
});

/** decodeMessages's outcome (records, or error), compared as outcomeOf's. */
async function settle(decode: () => Promise<unknown[]>, input: Buffer): Promise<unknown> {
  try {
    const records = (await decode()) as Record<string, unknown>[];
    return { records, shape: shapeOf({ records }, input) };
  } catch (error) {
    return { error: describeError(error) };
  }
}

function attempt<T>(read: () => T): T | unknown {
  try {
    return read();
  } catch (error) {
    return error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Installing into kafkajs's module graph (jest's module registry honours require.cache like Node's).

describe('installFastFetchDecoding', () => {
  /** A fresh module registry: kafkajs not loaded yet, as at a service's start (hence require, not import). */
  function isolated<T>(run: () => T): T {
    let result: T | undefined;
    jest.isolateModules(() => {
      result = run();
    });
    return result as T;
  }

  it('does not find kafkajs loading its fetch decoding on require, nor on creating clients (it loads it on the first fetch)', () => {
    const loaded = isolated(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded into the fresh registry
      const { Kafka } = require('kafkajs') as typeof import('kafkajs');
      const kafka = new Kafka({ brokers: ['localhost:1'], logLevel: 0 });
      kafka.consumer({ groupId: 'g' });
      kafka.producer();
      kafka.admin();
      return [require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder'), require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages')].filter(
        (modulePath) => require.cache[modulePath] !== undefined,
      );
    });
    expect(loaded).toEqual([]);
  });

  it("replaces kafkajs's record batch decoder for fetch responses, which then decode as before", async () => {
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded into the fresh registry */
    const { results, decoderIsFast, fastDecodeMessages } = isolated(() => {
      const { installFastFetchDecoding: install } = require('./fast-fetch-decoding') as typeof import('./fast-fetch-decoding');
      const results = [install(), install()];
      const decoder = require('kafkajs/src/protocol/recordBatch/v0/decoder') as Record<symbol, unknown>;
      const fastDecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages') as DecodeMessages;
      return { results, decoderIsFast: decoder[Symbol.for('attendance.fastFetchDecoding')] === true, fastDecodeMessages };
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    expect(results).toEqual([{ installed: true }, { installed: true }]);
    expect(decoderIsFast).toBe(true); // what decodeMessages bound when it loaded

    // Fetch payloads of one to three batches, cut anywhere (maxBytes): the cut batch is dropped, as kafkajs does.
    await fc.assert(
      fc.asyncProperty(fc.array(randomBatch, { minLength: 1, maxLength: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), async (batches, cutAt) => {
        const messages = Buffer.concat(await Promise.all(batches.map(({ encode }) => encode())));
        const cut = messages.subarray(0, Math.round(messages.length * cutAt));
        const input = Buffer.concat([new Encoder().writeInt32(cut.length).buffer, cut]);
        const outcome = (decode: DecodeMessages) => settle(() => decode(new Decoder(input)), input);
        expect(await outcome(fastDecodeMessages)).toEqual(await outcome(stockDecodeMessages));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses once kafkajs loaded its fetch decoding (modules already bound)', () => {
    expect(installFastFetchDecoding()).toEqual({ installed: false, reason: expect.stringContaining('loaded before') });
  });

  it('refuses any kafkajs but 2.2.4', () => {
    const fakeKafkajs = mkdtempSync(path.join(tmpdir(), 'kafkajs-'));
    writeFileSync(path.join(fakeKafkajs, 'package.json'), JSON.stringify({ name: 'kafkajs', version: '2.2.5' }));
    expect(installFastFetchDecoding(path.join(fakeKafkajs, 'index.js'))).toEqual({ installed: false, reason: expect.stringContaining('kafkajs 2.2.5') });
  });
});

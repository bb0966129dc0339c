/**
 * A faster drop-in for kafkajs 2.2.4's record batch decoder (`protocol/recordBatch/v0/decoder.js`), the hot
 * spot of the consumer's FETCH path.
 *
 * Why: in ingest's profile the consumer (main thread) spent ~8 µs per ~1 KB message in kafkajs's fetch
 * decoding: a Decoder object and a Buffer slice per record, BigInt-backed Long arithmetic and toString for every
 * record's offset and timestamp, and headers decoded through a `{ key, value }` object per header and an
 * object spread per header (quadratic in the header count). This decoder reads the same bytes at integer
 * positions of the fetch response (no Decoder, no intermediate slices), adds offsets and timestamps as Numbers
 * (exact below 2^53) and formats them without V8's slow double-to-string path, and builds headers objects from
 * literals compiled per sequence of header names (fast-fetch-decoding-headers.ts). Records stay eager plain
 * objects: lazy headers would need an accessor per record, which measured slower than decoding them.
 *
 * Faithfulness: it decodes only what it can vouch for — a complete, uncompressed, non-control batch of magic 2
 * in which every length, varint and field lies inside its record, and whose offsets and timestamps stay within
 * ±2^53 — and hands anything else (a batch cut by maxBytes, compression, control batches, malformed or unusual
 * data) to kafkajs's own decoder from the same position. Errors (e.g. the KafkaJSPartialMessageError that
 * fetch/v4/decodeMessages.js relies on to drop a batch cut by maxBytes) and odd results are therefore always
 * kafkajs's own. fast-fetch-decoding.spec.ts holds the output deep-equal to kafkajs's on random batches.
 *
 * Installed only for exactly kafkajs 2.2.4 (whose internals it mirrors), through require.cache, before kafkajs
 * loads the module: see installFastFetchDecoding.
 */
import path from 'node:path';
import { ByteCursor, decimalSum, int64Number, int64String, NOT_HANDLED } from './fast-fetch-decoding-bytes';
import { type RecordHeaders, HeadersReader } from './fast-fetch-decoding-headers';

/** The part of kafkajs's Decoder (protocol/decoder.js) that its record batch decoder is called with. */
export interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
}

export type { HeaderValue, RecordHeaders } from './fast-fetch-decoding-headers';

/** A record as kafkajs's record/v0/decoder.js returns it (same fields, same order). */
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

/** The batch fields kafkajs's recordBatch/v0/decoder.js returns (and hands each record as batchContext). */
export interface RecordContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
}

export interface BatchContext extends RecordContext {
  magicByte: number;
}

export interface DecodedRecordBatch extends RecordContext {
  records: DecodedRecord[];
}

export type RecordBatchDecoder = (fetchDecoder: KafkajsDecoder) => Promise<DecodedRecordBatch>;

export type InstallFastFetchDecodingResult = { installed: true } | { installed: false; reason: string };

// recordBatch/v0/decoder.js's batch header: firstOffset(8) length(4) partitionLeaderEpoch(4) magic(1) crc(4)
// attributes(2) lastOffsetDelta(4) firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2)
// firstSequence(4), then the records array's int32 count.
const LENGTH_AT = 8;
const LEADER_EPOCH_AT = 12;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const FIRST_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const PRODUCER_EPOCH_AT = 51;
const FIRST_SEQUENCE_AT = 53;
const RECORD_COUNT_AT = 57;
const RECORDS_AT = 61;
/** `length` counts from the partition leader epoch on, so a batch with its record count is at least this long. */
const MIN_BATCH_LENGTH = RECORDS_AT - LEADER_EPOCH_AT;
/** The smallest record this decoder accepts: length, attributes, timestamp/offset deltas, key, value, headers. */
const MIN_RECORD_BYTES = 7;

const RECORD_BATCH_MAGIC = 2;
const COMPRESSION_CODEC_MASK = 0x07;
const TIMESTAMP_TYPE_FLAG_MASK = 0x08;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
// protocol/timestampTypes.js
const CREATE_TIME = 0;
const LOG_APPEND_TIME = 1;

/** What every record of a batch shares, with offsets and timestamps as Numbers (NaN when beyond 2^53). */
interface BatchBase {
  context: BatchContext;
  headersReader: HeadersReader;
  firstOffset: number;
  firstTimestamp: number;
  logAppendTime: boolean;
}

/**
 * One record, as record/v0/decoder.js decodes it; the cursor is at the record's length and ends past the record
 * (kafkajs ignores any bytes a record's length covers beyond its headers, and so does this).
 */
function readRecord(cursor: ByteCursor, batchEnd: number, base: BatchBase, timestamps: TimestampMemo): DecodedRecord {
  cursor.end = batchEnd;
  const length = cursor.varInt();
  const recordAt = cursor.skip(length);
  cursor.pos = recordAt;
  cursor.end = recordAt + length;
  const attributes = cursor.int8();
  const timestampDelta = cursor.varLong();
  const timestamp = base.logAppendTime ? base.context.maxTimestamp : timestamps.timestampString(base.firstTimestamp, timestampDelta);
  const offset = decimalSum(base.firstOffset, cursor.varInt());
  const key = cursor.nullableBytes();
  const value = cursor.nullableBytes();
  const headers = base.headersReader.read(cursor);
  cursor.pos = cursor.end;
  return {
    magicByte: base.context.magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: false, // control batches are left to kafkajs
    batchContext: base.context,
  };
}

/** Records of a batch mostly share their timestamp (one produce call), so its decimal string is reused. */
class TimestampMemo {
  private delta = NaN;
  private text = '';

  timestampString(firstTimestamp: number, delta: number): string {
    if (delta !== this.delta) {
      this.text = decimalSum(firstTimestamp, delta);
      this.delta = delta;
    }
    return this.text;
  }
}

/** The batch at `start`, or NOT_HANDLED if it is not one this decoder vouches for. Returns where it ends. */
function decodeBatch(buf: Buffer, start: number, headersReader: HeadersReader): { batch: DecodedRecordBatch; end: number } {
  if (buf.length - start < RECORDS_AT) throw NOT_HANDLED;
  const length = buf.readInt32BE(start + LENGTH_AT);
  // A batch cut short (by maxBytes) is kafkajs's to report (KafkaJSPartialMessageError).
  if (length < MIN_BATCH_LENGTH || length > buf.length - start - LEADER_EPOCH_AT) throw NOT_HANDLED;
  const end = start + LEADER_EPOCH_AT + length;
  const magicByte = buf.readInt8(start + MAGIC_AT);
  const attributes = buf.readInt16BE(start + ATTRIBUTES_AT);
  if (magicByte !== RECORD_BATCH_MAGIC || (attributes & COMPRESSION_CODEC_MASK) !== 0 || (attributes & CONTROL_FLAG_MASK) !== 0) throw NOT_HANDLED;
  const recordCount = buf.readInt32BE(start + RECORD_COUNT_AT);
  // A count its bytes cannot hold (or a negative one) is malformed: kafkajs decides what that gives.
  if (recordCount < -1 || recordCount * MIN_RECORD_BYTES > end - start - RECORDS_AT) throw NOT_HANDLED;

  const recordContext: RecordContext = {
    firstOffset: int64String(buf, start),
    firstTimestamp: int64String(buf, start + FIRST_TIMESTAMP_AT),
    partitionLeaderEpoch: buf.readInt32BE(start + LEADER_EPOCH_AT),
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch: false,
    lastOffsetDelta: buf.readInt32BE(start + LAST_OFFSET_DELTA_AT),
    producerId: int64String(buf, start + PRODUCER_ID_AT),
    producerEpoch: buf.readInt16BE(start + PRODUCER_EPOCH_AT),
    firstSequence: buf.readInt32BE(start + FIRST_SEQUENCE_AT),
    maxTimestamp: int64String(buf, start + MAX_TIMESTAMP_AT),
    timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
  };
  const base: BatchBase = {
    context: { ...recordContext, magicByte },
    headersReader,
    firstOffset: int64Number(buf, start),
    firstTimestamp: int64Number(buf, start + FIRST_TIMESTAMP_AT),
    logAppendTime: recordContext.timestampType === LOG_APPEND_TIME,
  };
  const records = readRecords(new ByteCursor(buf, start + RECORDS_AT, end), Math.max(recordCount, 0), end, base);
  return { batch: { ...recordContext, records }, end };
}

function readRecords(cursor: ByteCursor, count: number, batchEnd: number, base: BatchBase): DecodedRecord[] {
  const records = new Array<DecodedRecord>(count);
  const timestamps = new TimestampMemo();
  for (let i = 0; i < count; i++) records[i] = readRecord(cursor, batchEnd, base, timestamps);
  return records;
}

/**
 * kafkajs's record batch decoder (same signature: reads one batch from the fetch response's Decoder and moves it
 * past the batch), decoding fast what it vouches for and leaving the rest to `stockDecoder`.
 */
export function createFastRecordBatchDecoder(stockDecoder: RecordBatchDecoder): RecordBatchDecoder {
  const headersReader = new HeadersReader();
  return async function decodeRecordBatch(fetchDecoder: KafkajsDecoder): Promise<DecodedRecordBatch> {
    const { buffer, offset } = fetchDecoder;
    if (!Buffer.isBuffer(buffer) || !Number.isInteger(offset)) return stockDecoder(fetchDecoder);
    let decoded: { batch: DecodedRecordBatch; end: number };
    try {
      decoded = decodeBatch(buffer, offset, headersReader);
    } catch (error) {
      if (error !== NOT_HANDLED) throw error;
      return stockDecoder(fetchDecoder);
    }
    fetchDecoder.offset = decoded.end;
    return decoded.batch;
  };
}

const SUPPORTED_KAFKAJS_VERSION = '2.2.4';
const FAST_DECODER = Symbol.for('attendance.fastFetchDecoding');

/**
 * Makes kafkajs decode fetched record batches with createFastRecordBatchDecoder, by replacing the exports of
 * `protocol/recordBatch/v0/decoder.js` in require.cache. Its only user, `protocol/requests/fetch/v4/decodeMessages.js`
 * (fetch v4-v11), binds it when it is first loaded, so this must run before that: `require('kafkajs')` does not
 * load them (kafkajs requires fetch response modules lazily, on the consumer's first fetch), so anywhere before
 * the first consumer runs is early enough; the top of the service's main.ts is the safe place.
 * Refuses (and kafkajs stays stock) for any kafkajs version but 2.2.4, or once the modules are loaded.
 */
export function installFastFetchDecoding(kafkajsPath: string = require.resolve('kafkajs')): InstallFastFetchDecodingResult {
  const root = path.dirname(kafkajsPath);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed kafkajs's own package.json
  const version = (require(path.join(root, 'package.json')) as { version: string }).version;
  if (version !== SUPPORTED_KAFKAJS_VERSION) {
    return { installed: false, reason: `kafkajs ${version} is not the version this decoder mirrors (${SUPPORTED_KAFKAJS_VERSION})` };
  }
  const decoderPath = require.resolve(path.join(root, 'src/protocol/recordBatch/v0/decoder'));
  const decodeMessagesPath = require.resolve(path.join(root, 'src/protocol/requests/fetch/v4/decodeMessages'));
  const loadedDecoder = require.cache[decoderPath];
  if (loadedDecoder && (loadedDecoder.exports as Record<symbol, unknown>)[FAST_DECODER]) return { installed: true };
  if (loadedDecoder || require.cache[decodeMessagesPath]) {
    return { installed: false, reason: "kafkajs's fetch decoding was loaded before the fast decoder could be installed" };
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's decoder is the fallback
  const stockDecoder = require(decoderPath) as RecordBatchDecoder;
  const fastDecoder = Object.assign(createFastRecordBatchDecoder(stockDecoder), { [FAST_DECODER]: true });
  // Every kafkajs module that requires the decoder from now on gets the fast one (this thread only).
  require.cache[decoderPath]!.exports = fastDecoder;
  return { installed: true };
}

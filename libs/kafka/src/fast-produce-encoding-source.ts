/**
 * Faster drop-ins for four internal modules of kafkajs 2.2.4's produce path, as plain JavaScript for the
 * producer thread (see producer-thread-source.ts, which installs them before it loads kafkajs).
 *
 * Why: in ingest's profile the producer thread spent most of its CPU in kafkajs's record encoding, which
 * allocates a zero-filled 512-byte Encoder per record and per header, a `Buffer.from([..])` per varint, grows
 * and copies the batch buffer by doubling, computes CRC-32C one byte at a time, and groups messages by
 * partition with `[...current, message]` (quadratic in the batch). The replacements write the same bytes:
 *  - `recordBatch/record/v0`: defers encoding (a record is a small descriptor);
 *  - `recordBatch/v0` (RecordBatch): sizes the whole batch first, encodes every record straight into one
 *    buffer, and checksums it with a slicing-by-8 CRC-32C;
 *  - `producer/groupMessagesPerPartition`: linear;
 *  - the partitioner: kafkajs's DefaultPartitioner (murmur2, Java-compatible), with the key's hash memoised.
 * Anything off the fast path (compression, a timestamp delta beyond ±2^30 ms, a value that is neither a string
 * nor a Buffer) goes to kafkajs's own code, so behaviour never depends on the fast path covering a case.
 *
 * Installed only for exactly kafkajs 2.2.4 (the version pinned in package.json, whose internals these mirror);
 * any other version runs stock kafkajs. fast-produce-encoding.spec.ts holds the replacements to kafkajs's own
 * encoders byte for byte on random records, and worker-thread-producer.int-spec.ts round-trips through a broker.
 *
 * Defines (in the scope it is evaluated in):
 *   createFastProduceEncoding({ Long, originalRecord, originalRecordBatch, murmur2 }) →
 *     { Record, RecordBatch, groupMessagesPerPartition, crc32c, createKeyHashPartitioner }
 *   installFastProduceEncoding(kafkajsPath) → { installed: true } | { installed: false, reason }
 */
export const FAST_PRODUCE_ENCODING_SOURCE = String.raw`
function createFastProduceEncoding({ Long, originalRecord, originalRecordBatch, murmur2 }) {
  // CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), slicing by 8: table t * 256 + n is byte n followed
  // by t zero bytes.
  const T = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    T[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = T[n];
    for (let t = 1; t < 8; t++) {
      c = T[c & 0xff] ^ (c >>> 8);
      T[t * 256 + n] = c;
    }
  }
  function crc32c(buf, start, end) {
    let crc = -1;
    let i = start;
    for (; i + 8 <= end; i += 8) {
      crc ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      crc =
        T[1792 + (crc & 0xff)] ^ T[1536 + ((crc >>> 8) & 0xff)] ^ T[1280 + ((crc >>> 16) & 0xff)] ^ T[1024 + (crc >>> 24)] ^
        T[768 + buf[i + 4]] ^ T[512 + buf[i + 5]] ^ T[256 + buf[i + 6]] ^ T[buf[i + 7]];
    }
    for (; i < end; i++) crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ -1) >>> 0;
  }

  const zigZag = (value) => (value << 1) ^ (value >> 31);
  function sizeOfUVarInt(value) {
    let bytes = 1;
    while ((value & 0xffffff80) !== 0) {
      bytes++;
      value >>>= 7;
    }
    return bytes;
  }
  function writeUVarInt(buf, offset, value) {
    while ((value & 0xffffff80) !== 0) {
      buf[offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[offset++] = value;
    return offset;
  }
  const isBytes = (value) => typeof value === 'string' || Buffer.isBuffer(value);
  const byteLength = (value) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);

  /** A record as kafkajs's Record() receives it; encoded by RecordBatch, or by kafkajs if it asks for bytes. */
  class PendingRecord {
    constructor(fields) {
      this.fields = fields;
      this.stock = null;
    }
    // kafkajs's Encoder interface (buf, buffer), for stock code paths that encode records themselves.
    stockEncoder() {
      if (this.stock === null) this.stock = originalRecord(this.fields);
      return this.stock;
    }
    get buf() {
      return this.stockEncoder().buf;
    }
    get buffer() {
      return this.stockEncoder().buffer;
    }
  }

  /**
   * Layout of one record for the fast path (null: use kafkajs's encoder for it). Same field order and
   * varint forms as kafkajs record/v0: length, attributes, timestampDelta, offsetDelta, key, value, headers.
   */
  function planRecord(fields) {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = fields;
    if (!Number.isInteger(timestampDelta) || timestampDelta >= 0x40000000 || timestampDelta <= -0x40000000) return null;
    if (!Number.isInteger(offsetDelta) || offsetDelta < 0 || offsetDelta >= 0x40000000) return null;
    if (key != null && !isBytes(key)) return null;
    if (value != null && !isBytes(value)) return null;
    const keyLength = key == null ? -1 : byteLength(key);
    const valueLength = value == null ? -1 : byteLength(value);
    const headerKeys = [];
    const headerValues = [];
    const headerKeyLengths = [];
    const headerValueLengths = [];
    for (const name of Object.keys(headers)) {
      const entry = headers[name];
      const values = Array.isArray(entry) ? entry : [entry];
      for (const headerValue of values) {
        if (!isBytes(headerValue)) return null;
        headerKeys.push(name);
        headerValues.push(headerValue);
        headerKeyLengths.push(Buffer.byteLength(name, 'utf8'));
        headerValueLengths.push(byteLength(headerValue));
      }
    }
    let body =
      1 + sizeOfUVarInt(zigZag(timestampDelta)) + sizeOfUVarInt(zigZag(offsetDelta)) +
      sizeOfUVarInt(zigZag(keyLength)) + Math.max(keyLength, 0) +
      sizeOfUVarInt(zigZag(valueLength)) + Math.max(valueLength, 0) +
      sizeOfUVarInt(zigZag(headerKeys.length));
    for (let h = 0; h < headerKeys.length; h++) {
      body += sizeOfUVarInt(zigZag(headerKeyLengths[h])) + headerKeyLengths[h] + sizeOfUVarInt(zigZag(headerValueLengths[h])) + headerValueLengths[h];
    }
    return {
      size: sizeOfUVarInt(zigZag(body)) + body,
      body, offsetDelta, timestampDelta, key, keyLength, value, valueLength,
      headerKeys, headerValues, headerKeyLengths, headerValueLengths,
    };
  }

  function writeBytes(buf, offset, value, length) {
    offset = writeUVarInt(buf, offset, zigZag(length));
    if (length <= 0) return offset;
    if (typeof value === 'string') buf.write(value, offset, length, 'utf8');
    else value.copy(buf, offset);
    return offset + length;
  }

  function writeRecord(buf, offset, plan) {
    offset = writeUVarInt(buf, offset, zigZag(plan.body));
    buf[offset++] = 0; // attributes: none used
    offset = writeUVarInt(buf, offset, zigZag(plan.timestampDelta));
    offset = writeUVarInt(buf, offset, zigZag(plan.offsetDelta));
    offset = writeBytes(buf, offset, plan.key, plan.keyLength);
    offset = writeBytes(buf, offset, plan.value, plan.valueLength);
    offset = writeUVarInt(buf, offset, zigZag(plan.headerKeys.length));
    for (let h = 0; h < plan.headerKeys.length; h++) {
      offset = writeBytes(buf, offset, plan.headerKeys[h], plan.headerKeyLengths[h]);
      offset = writeBytes(buf, offset, plan.headerValues[h], plan.headerValueLengths[h]);
    }
    return offset;
  }

  function writeInt64(buf, offset, value) {
    const long = Long.fromValue(value);
    buf.writeInt32BE(long.getHighBits(), offset);
    buf.writeInt32BE(long.getLowBits(), offset + 4);
    return offset + 8;
  }

  /** An encoded batch with the part of kafkajs's Encoder interface its callers use. */
  class EncodedBatch {
    constructor(buf) {
      this.buf = buf;
    }
    get buffer() {
      return this.buf;
    }
    size() {
      return this.buf.length;
    }
  }

  const Record = (fields) => new PendingRecord(fields);

  // Same parameters and defaults as kafkajs recordBatch/v0 RecordBatch.
  async function RecordBatch(options) {
    const {
      compression = 0,
      firstOffset = Long.fromInt(0),
      firstTimestamp = Date.now(),
      maxTimestamp = Date.now(),
      partitionLeaderEpoch = 0,
      lastOffsetDelta = 0,
      transactional = false,
      producerId = Long.fromValue(-1),
      producerEpoch = 0,
      firstSequence = 0,
      records = [],
    } = options;
    if (compression !== 0 || !records.every((record) => record instanceof PendingRecord)) return originalRecordBatch(options);
    const plans = new Array(records.length);
    let recordBytes = 0;
    for (let r = 0; r < records.length; r++) {
      const plan = planRecord(records[r].fields);
      plans[r] = plan;
      recordBytes += plan === null ? records[r].stockEncoder().buffer.length : plan.size;
    }
    // firstOffset(8) length(4) | partitionLeaderEpoch(4) magic(1) crc(4) | body: attributes(2) lastOffsetDelta(4)
    // firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2) firstSequence(4) recordCount(4) records
    const bodyStart = 8 + 4 + 4 + 1 + 4;
    const total = bodyStart + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + recordBytes;
    const buf = Buffer.allocUnsafe(total);
    let offset = writeInt64(buf, 0, firstOffset);
    buf.writeInt32BE(total - 12, offset); // writeBytes(batch): length of everything after it
    buf.writeInt32BE(partitionLeaderEpoch, 12);
    buf.writeInt8(2, 16); // magic
    offset = bodyStart;
    buf.writeInt16BE(compression | (transactional ? 16 : 0), offset);
    buf.writeInt32BE(lastOffsetDelta, offset + 2);
    offset = writeInt64(buf, offset + 6, firstTimestamp);
    offset = writeInt64(buf, offset, maxTimestamp);
    offset = writeInt64(buf, offset, producerId);
    buf.writeInt16BE(producerEpoch, offset);
    buf.writeInt32BE(firstSequence, offset + 2);
    buf.writeInt32BE(records.length, offset + 6);
    offset += 10;
    for (let r = 0; r < records.length; r++) {
      const plan = plans[r];
      if (plan === null) {
        const stock = records[r].stockEncoder().buffer;
        stock.copy(buf, offset);
        offset += stock.length;
      } else {
        offset = writeRecord(buf, offset, plan);
      }
    }
    if (offset !== total) throw new Error('fast RecordBatch: wrote ' + offset + ' of ' + total + ' bytes');
    buf.writeUInt32BE(crc32c(buf, bodyStart, total), 17);
    return new EncodedBatch(buf);
  }

  // kafkajs's, linear instead of quadratic: same partitions, same order within each.
  function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }) {
    if (partitionMetadata.length === 0) return {};
    const result = {};
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata, message });
      (result[partition] || (result[partition] = [])).push(message);
    }
    return result;
  }

  /**
   * kafkajs's DefaultPartitioner, with murmur2 of string keys memoised (keys repeat: one per device). The
   * stock partitioner decides everything else (explicit partition, no key).
   */
  function createKeyHashPartitioner(createStockPartitioner, maxKeys = 100000) {
    return () => {
      const stock = createStockPartitioner();
      const hashes = new Map();
      return (args) => {
        const { message, partitionMetadata } = args;
        if ((message.partition !== null && message.partition !== undefined) || typeof message.key !== 'string') return stock(args);
        let hash = hashes.get(message.key);
        if (hash === undefined) {
          hash = murmur2(message.key) & 0x7fffffff;
          if (hashes.size >= maxKeys) hashes.clear();
          hashes.set(message.key, hash);
        }
        return hash % partitionMetadata.length;
      };
    };
  }

  return { Record, RecordBatch, groupMessagesPerPartition, crc32c, createKeyHashPartitioner };
}

function installFastProduceEncoding(kafkajsPath) {
  const path = require('node:path');
  const root = path.dirname(kafkajsPath);
  const version = require(path.join(root, 'package.json')).version;
  if (version !== '2.2.4') return { installed: false, reason: 'kafkajs ' + version + ' is not the version these encoders mirror (2.2.4)' };
  const src = path.join(root, 'src');
  const modulePath = (relative) => require.resolve(path.join(src, relative));
  const recordPath = modulePath('protocol/recordBatch/record/v0');
  const batchPath = modulePath('protocol/recordBatch/v0');
  const groupPath = modulePath('producer/groupMessagesPerPartition');
  for (const loaded of [recordPath, batchPath, groupPath]) {
    if (require.cache[loaded]) return { installed: false, reason: 'kafkajs was loaded before the fast encoders could be installed' };
  }
  const originalRecord = require(recordPath);
  const stockBatch = require(batchPath);
  const fast = createFastProduceEncoding({
    Long: require(path.join(src, 'utils/long')),
    originalRecord,
    originalRecordBatch: stockBatch.RecordBatch,
    murmur2: require(path.join(src, 'producer/partitioners/default/murmur2')),
  });
  // Every kafkajs module that requires these from now on gets the replacements (this thread only).
  require.cache[recordPath].exports = fast.Record;
  require.cache[batchPath].exports = { ...stockBatch, RecordBatch: fast.RecordBatch };
  require(groupPath);
  require.cache[groupPath].exports = fast.groupMessagesPerPartition;
  return { installed: true, createKeyHashPartitioner: fast.createKeyHashPartitioner };
}
`;

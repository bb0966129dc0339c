/**
 * Faster drop-ins for internal modules of kafkajs 2.2.4's produce path, as plain JavaScript for the producer
 * thread (see producer-thread-source.ts, which installs them before it loads kafkajs).
 *
 * Why: in ingest's profile the producer thread spent most of its CPU in kafkajs's record encoding, which
 * allocates a zero-filled 512-byte Encoder per record and per header, a `Buffer.from([..])` per varint, grows
 * and copies the batch buffer by doubling (then copies it again in each enclosing layer: partition, topic,
 * request, frame), spreads every message into a new object, computes CRC-32C one byte at a time, and groups
 * messages by partition with `[...current, message]` (quadratic in the batch). The replacements write the same
 * bytes:
 *  - `requests/produce/v3/request` (also v4 to v7, which reuse it): sizes the whole request first and encodes
 *    every partition's record batch straight into one buffer, without copying each message into a record;
 *  - `protocol/request` (the frame around every request): one exact-size buffer; a produce request's payload
 *    is not copied at all (its encoder leaves room for the frame header in front of it);
 *  - `recordBatch/record/v0`: defers encoding (a record is a small descriptor);
 *  - `recordBatch/v0` (RecordBatch): the same single-buffer encoder, for the code paths that still call it;
 *  - `producer/groupMessagesPerPartition`: linear;
 *  - the partitioner: kafkajs's DefaultPartitioner (murmur2, Java-compatible), with the key's hash memoised.
 *
 * Pre-encoded records: most of a record (key, value, headers) does not depend on where it lands in a batch, so
 * `preEncodeMessages` encodes it for a whole publish at once, into one buffer, with the headers shared by the
 * publish encoded once. Such a message is `{ key, value: RecordTail }`: kafkajs still partitions it by its key,
 * and the encoders above add the per-batch part (length, attributes, timestamp and offset deltas) and copy the
 * tail once. A RecordTail refuses to be read as a string, so stock kafkajs code that would meet one fails
 * loudly instead of writing a wrong value: only produce v0 to v2 (brokers older than Kafka 0.11, with which
 * the idempotent producer cannot even start) encode messages without the modules above.
 *
 * Anything off the fast path (compression, a timestamp delta beyond ±2^30 ms, a value that is neither a string
 * nor a Buffer) goes to kafkajs's own code, so behaviour never depends on the fast path covering a case.
 *
 * Installed only for exactly kafkajs 2.2.4 (the version pinned in package.json, whose internals these mirror);
 * any other version runs stock kafkajs. fast-produce-encoding.spec.ts holds the replacements to kafkajs's own
 * encoders byte for byte on random records and requests, and worker-thread-producer.int-spec.ts round-trips
 * through a broker.
 *
 * Defines (in the scope it is evaluated in):
 *   createFastProduceEncoding({ Long, Encoder, originalRecord, originalRecordBatch, originalProduceRequest,
 *     produceApiKey, murmur2 }) →
 *     { Record, RecordBatch, ProduceRequest, createRequest, groupMessagesPerPartition, crc32c,
 *       createKeyHashPartitioner, preEncodeMessages, PER_RECORD }
 *   installFastProduceEncoding(kafkajsPath) →
 *     { installed: true, createKeyHashPartitioner, preEncodeMessages, PER_RECORD } | { installed: false, reason }
 */
export const FAST_PRODUCE_ENCODING_SOURCE = String.raw`
function createFastProduceEncoding({ Long, Encoder, originalRecord, originalRecordBatch, originalProduceRequest, produceApiKey, murmur2 }) {
  const NO_COMPRESSION = 0;

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
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  function crc32c(buf, start, end) {
    return (crc32cUpdate(-1, buf, start, end) ^ -1) >>> 0;
  }
  /**
   * The running CRC-32C state after buf[start, end), from the state crc (-1 to begin). It reads every byte of
   * every batch, which makes it this thread's largest cost per message: on a little-endian host, the aligned
   * middle is read as 32-bit words (a quarter of the loads, about 30% faster).
   */
  function crc32cUpdate(crc, buf, start, end) {
    let i = start;
    if (littleEndian && end - start >= 64) {
      while (((buf.byteOffset + i) & 3) !== 0) crc = T[(crc ^ buf[i++]) & 0xff] ^ (crc >>> 8);
      const words = new Int32Array(buf.buffer, buf.byteOffset + i, (end - i) >>> 3 << 1);
      for (let w = 0; w < words.length; w += 2) {
        crc ^= words[w];
        const next = words[w + 1];
        crc =
          T[1792 + (crc & 0xff)] ^ T[1536 + ((crc >>> 8) & 0xff)] ^ T[1280 + ((crc >>> 16) & 0xff)] ^ T[1024 + (crc >>> 24)] ^
          T[768 + (next & 0xff)] ^ T[512 + ((next >>> 8) & 0xff)] ^ T[256 + ((next >>> 16) & 0xff)] ^ T[next >>> 24];
      }
      i += words.length << 2;
    }
    for (; i + 8 <= end; i += 8) {
      crc ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      crc =
        T[1792 + (crc & 0xff)] ^ T[1536 + ((crc >>> 8) & 0xff)] ^ T[1280 + ((crc >>> 16) & 0xff)] ^ T[1024 + (crc >>> 24)] ^
        T[768 + buf[i + 4]] ^ T[512 + buf[i + 5]] ^ T[256 + buf[i + 6]] ^ T[buf[i + 7]];
    }
    for (; i < end; i++) crc = T[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
    return crc;
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

  /** Most bytes writeVarIntString writes for a string: a 5-byte varint, at most 3 UTF-8 bytes per UTF-16 unit. */
  const maxVarIntStringBytes = (value) => 5 + 3 * value.length;

  /**
   * A string as kafkajs's writeVarIntString/writeVarIntBytes write it (zigzag varint byte length, UTF-8).
   * Short ASCII strings (keys, ids) are copied by a loop: cheaper than a native write and a byteLength call.
   */
  function writeVarIntString(buf, offset, value) {
    const units = value.length;
    if (units < 64) {
      let i = 0;
      while (i < units) {
        const unit = value.charCodeAt(i);
        if (unit >= 0x80) break;
        buf[offset + 1 + i] = unit;
        i++;
      }
      if (i === units) {
        buf[offset] = units << 1; // zigzag of a length below 64: one byte
        return offset + 1 + units;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    offset = writeUVarInt(buf, offset, zigZag(length));
    buf.write(value, offset, length, 'utf8');
    return offset + length;
  }

  /** Marks, in preEncodeMessages's headers, the one header whose value differs per record. */
  const PER_RECORD = Symbol('per-record header value');

  /**
   * The part of one record after its offsetDelta (key, value, header count, headers), exactly as kafkajs
   * record/v0 writes it; a range of a publish's shared buffer.
   */
  class RecordTail {
    constructor(view, start, end) {
      this.view = view; // a plain Uint8Array: its subarray() is cheaper than a Buffer's
      this.start = start;
      this.end = end;
    }
    get length() {
      return this.end - this.start;
    }
    bytes() {
      return this.view.subarray(this.start, this.end);
    }
    asBuffer() {
      return Buffer.from(this.view.buffer, this.view.byteOffset + this.start, this.end - this.start);
    }
    // Stock encoders would write String(value) for it: fail instead of writing the wrong bytes.
    toString() {
      throw new Error('a pre-encoded Kafka record reached an encoder that does not know it');
    }
  }

  /**
   * The header section of the records of a publish, split around the per-record header: { before, after,
   * perRecord } where before holds the header count, the headers before it and its name. Same headers, order
   * and encodings as kafkajs record/v0 (Object.keys order, an array value is one header per element); null when
   * a value is not a string or Buffer (kafkajs would throw, or write bytes that do not match its own sizes).
   */
  function headerLayout(headers) {
    const entries = [];
    let perRecordAt = -1;
    for (const name of Object.keys(headers)) {
      const entry = headers[name];
      if (entry === PER_RECORD) {
        if (perRecordAt !== -1) return null;
        perRecordAt = entries.length;
        entries.push([name, PER_RECORD]);
        continue;
      }
      for (const value of Array.isArray(entry) ? entry : [entry]) {
        if (!isBytes(value)) return null;
        entries.push([name, value]);
      }
    }
    let size = 5;
    for (const [name, value] of entries) size += maxVarIntStringBytes(name) + (value === PER_RECORD ? 0 : 5 + byteLength(value));
    const block = Buffer.allocUnsafe(size);
    let offset = writeUVarInt(block, 0, zigZag(entries.length));
    let split = -1;
    for (const [name, value] of entries) {
      offset = writeVarIntString(block, offset, name);
      if (value === PER_RECORD) split = offset;
      else if (typeof value === 'string') offset = writeVarIntString(block, offset, value);
      else {
        offset = writeUVarInt(block, offset, zigZag(value.length));
        value.copy(block, offset);
        offset += value.length;
      }
    }
    const before = new Uint8Array(block.buffer, block.byteOffset, split === -1 ? offset : split);
    const after = new Uint8Array(block.buffer, block.byteOffset + before.length, offset - before.length);
    return { before, after, perRecord: split !== -1 };
  }

  /**
   * The messages of one publish with their records pre-encoded: message i is { key: keys[i], value: RecordTail }
   * and encodes, through the encoders below, to the same bytes as kafkajs's own encoding of
   * { key: keys[i], value: values[valueOffsets[i]..valueOffsets[i + 1]], headers } with headers' PER_RECORD
   * value replaced by perRecordValues[i]. Null when something is off the fast path (the caller then builds
   * plain messages): a key that is not a string (or null), a header value that is not a string or Buffer.
   */
  function preEncodeMessages({ keys, values, valueOffsets, headers, perRecordValues }) {
    const layout = headerLayout(headers);
    if (layout === null) return null;
    const count = keys.length;
    // An upper bound, so that strings are measured only once, while being written.
    let capacity = 0;
    for (let i = 0; i < count; i++) {
      const key = keys[i];
      if (key != null && typeof key !== 'string') return null;
      capacity += (key == null ? 1 : maxVarIntStringBytes(key)) + 5 + (valueOffsets[i + 1] - valueOffsets[i]) + layout.before.length + layout.after.length;
      if (layout.perRecord) {
        if (typeof perRecordValues[i] !== 'string') return null;
        capacity += maxVarIntStringBytes(perRecordValues[i]);
      }
    }
    const buf = Buffer.allocUnsafe(capacity);
    const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    const valueBytes = new Uint8Array(values.buffer, values.byteOffset, values.length);
    const messages = new Array(count);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const start = offset;
      const key = keys[i];
      offset = key == null ? writeUVarInt(buf, offset, zigZag(-1)) : writeVarIntString(buf, offset, key);
      const valueStart = valueOffsets[i];
      const valueLength = valueOffsets[i + 1] - valueStart;
      offset = writeUVarInt(buf, offset, zigZag(valueLength));
      view.set(valueBytes.subarray(valueStart, valueStart + valueLength), offset);
      offset += valueLength;
      view.set(layout.before, offset);
      offset += layout.before.length;
      if (layout.perRecord) {
        offset = writeVarIntString(buf, offset, perRecordValues[i]);
        view.set(layout.after, offset);
        offset += layout.after.length;
      }
      messages[i] = { key, value: new RecordTail(view, start, offset) };
    }
    return messages;
  }

  /**
   * A record as kafkajs's produce request builds it: its message, and its place in the batch. Encoded by the
   * batch encoder below, or by kafkajs if a stock code path asks for its bytes.
   */
  class PendingRecord {
    constructor(message, offsetDelta, timestampDelta, fields) {
      this.message = message;
      this.offsetDelta = offsetDelta;
      this.timestampDelta = timestampDelta;
      this.fields = fields; // what kafkajs's Record() was given, when it was
      this.plan = null; // set by sizeOfRecord: a layout, TAIL_PLAN, or null for kafkajs's own bytes
      this.stock = null;
    }
    // kafkajs's Encoder interface (buf, buffer), for stock code paths that encode records themselves.
    stockEncoder() {
      if (this.stock === null) {
        this.stock = this.message.value instanceof RecordTail ? encodeTailRecordAsKafkajs(this) : originalRecord(this.stockFields());
      }
      return this.stock;
    }
    stockFields() {
      return this.fields !== null ? this.fields : { ...this.message, offsetDelta: this.offsetDelta, timestampDelta: this.timestampDelta };
    }
    get buf() {
      return this.stockEncoder().buf;
    }
    get buffer() {
      return this.stockEncoder().buffer;
    }
  }

  /** kafkajs record/v0's own steps around a pre-encoded tail: any timestamp delta kafkajs accepts. */
  function encodeTailRecordAsKafkajs({ offsetDelta, timestampDelta, message: { value: tail } }) {
    const sizeOfBody = 1 + Encoder.sizeOfVarLong(timestampDelta) + Encoder.sizeOfVarInt(offsetDelta) + tail.length;
    return new Encoder()
      .writeVarInt(sizeOfBody)
      .writeInt8(0)
      .writeVarLong(timestampDelta)
      .writeVarInt(offsetDelta)
      .writeBuffer(tail.asBuffer());
  }

  /** Deltas that this encoder's 32-bit varints write exactly as kafkajs's varlong (timestamp) and varint. */
  function deltasFit({ offsetDelta, timestampDelta }) {
    return (
      Number.isInteger(timestampDelta) && timestampDelta < 0x40000000 && timestampDelta > -0x40000000 &&
      Number.isInteger(offsetDelta) && offsetDelta >= 0 && offsetDelta < 0x40000000
    );
  }

  // record.plan of a record whose value is a RecordTail: its size and bytes follow from the tail alone.
  const TAIL_PLAN = Object.freeze({});

  /**
   * Layout of one record without a tail for the fast path (null: use kafkajs's encoder for it). Same field
   * order and varint forms as kafkajs record/v0: length, attributes, timestampDelta, offsetDelta, key, value,
   * headers.
   */
  function planRecord({ message, offsetDelta, timestampDelta }) {
    const { key, value } = message;
    const headers = message.headers === undefined ? {} : message.headers;
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
      body, key, keyLength, value, valueLength,
      headerKeys, headerValues, headerKeyLengths, headerValueLengths,
    };
  }

  /** Bytes of a tailed record's body: attributes, the two deltas, the tail. */
  const tailRecordBody = (record) =>
    1 + sizeOfUVarInt(zigZag(record.timestampDelta)) + sizeOfUVarInt(zigZag(record.offsetDelta)) + record.message.value.length;

  /** Bytes the record takes in its batch; also decides (record.plan) how writeRecord encodes it. */
  function sizeOfRecord(record) {
    if (deltasFit(record)) {
      if (record.message.value instanceof RecordTail) {
        record.plan = TAIL_PLAN;
        const body = tailRecordBody(record);
        return sizeOfUVarInt(zigZag(body)) + body;
      }
      record.plan = planRecord(record);
      if (record.plan !== null) return record.plan.size;
    } else {
      record.plan = null;
    }
    return record.stockEncoder().buffer.length;
  }

  function writeBytes(buf, offset, value, length) {
    offset = writeUVarInt(buf, offset, zigZag(length));
    if (length <= 0) return offset;
    if (typeof value === 'string') buf.write(value, offset, length, 'utf8');
    else value.copy(buf, offset);
    return offset + length;
  }

  function writeRecordPrefix(buf, offset, record, body) {
    offset = writeUVarInt(buf, offset, zigZag(body));
    buf[offset++] = 0; // attributes: none used
    offset = writeUVarInt(buf, offset, zigZag(record.timestampDelta));
    return writeUVarInt(buf, offset, zigZag(record.offsetDelta));
  }

  function writeRecord(buf, offset, record) {
    const plan = record.plan;
    if (plan === TAIL_PLAN) {
      const tail = record.message.value;
      offset = writeRecordPrefix(buf, offset, record, tailRecordBody(record));
      buf.set(tail.bytes(), offset);
      return offset + tail.length;
    }
    if (plan === null) {
      const stock = record.stockEncoder().buffer;
      stock.copy(buf, offset);
      return offset + stock.length;
    }
    offset = writeRecordPrefix(buf, offset, record, plan.body);
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

  /** Encoded bytes with the part of kafkajs's Encoder interface its callers use. */
  class EncodedBytes {
    constructor(buf, headroom = 0) {
      this.buf = buf;
      this.headroom = headroom; // bytes free just before buf in its memory, for createRequest's frame header
    }
    get buffer() {
      return this.buf;
    }
    size() {
      return this.buf.length;
    }
  }

  // kafkajs recordBatch/v0's parameters and defaults.
  function withBatchDefaults({
    compression = NO_COMPRESSION,
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
  }) {
    return { compression, firstOffset, firstTimestamp, maxTimestamp, partitionLeaderEpoch, lastOffsetDelta, transactional, producerId, producerEpoch, firstSequence, records };
  }

  // firstOffset(8) length(4) | partitionLeaderEpoch(4) magic(1) crc(4) | body: attributes(2) lastOffsetDelta(4)
  // firstTimestamp(8) maxTimestamp(8) producerId(8) producerEpoch(2) firstSequence(4) recordCount(4) records
  const BATCH_BODY_AT = 8 + 4 + 4 + 1 + 4;
  const BATCH_OVERHEAD = BATCH_BODY_AT + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
  const CRC_CHUNK_BYTES = 16 * 1024;

  /** Bytes of an uncompressed batch of PendingRecords; plans every record for writeBatch. */
  function sizeOfBatch(records) {
    let size = BATCH_OVERHEAD;
    for (let r = 0; r < records.length; r++) size += sizeOfRecord(records[r]);
    return size;
  }

  /** Writes a batch sized by sizeOfBatch at buf[start, start + size) as kafkajs's RecordBatch encodes it. */
  function writeBatch(buf, start, batch, size) {
    const { compression, transactional, records } = batch;
    const end = start + size;
    writeInt64(buf, start, batch.firstOffset);
    buf.writeInt32BE(size - 12, start + 8); // writeBytes(batch): length of everything after it
    buf.writeInt32BE(batch.partitionLeaderEpoch, start + 12);
    buf.writeInt8(2, start + 16); // magic
    let offset = start + BATCH_BODY_AT;
    buf.writeInt16BE(compression | (transactional ? 16 : 0), offset);
    buf.writeInt32BE(batch.lastOffsetDelta, offset + 2);
    offset = writeInt64(buf, offset + 6, batch.firstTimestamp);
    offset = writeInt64(buf, offset, batch.maxTimestamp);
    offset = writeInt64(buf, offset, batch.producerId);
    buf.writeInt16BE(batch.producerEpoch, offset);
    buf.writeInt32BE(batch.firstSequence, offset + 2);
    buf.writeInt32BE(records.length, offset + 6);
    offset += 10;
    let crc = -1;
    let checked = start + BATCH_BODY_AT;
    for (let r = 0; r < records.length; r++) {
      offset = writeRecord(buf, offset, records[r]);
      // Checksummed a few KB at a time, while the bytes just written are still in the CPU's cache: a batch
      // (up to 0.5 MB) checksummed at the end is read back from memory.
      if (offset - checked >= CRC_CHUNK_BYTES) {
        crc = crc32cUpdate(crc, buf, checked, offset);
        checked = offset;
      }
    }
    if (offset !== end) throw new Error('fast RecordBatch: wrote ' + (offset - start) + ' of ' + size + ' bytes');
    buf.writeUInt32BE((crc32cUpdate(crc, buf, checked, end) ^ -1) >>> 0, start + 17);
    return end;
  }

  const Record = (fields) =>
    new PendingRecord(fields, fields.offsetDelta === undefined ? 0 : fields.offsetDelta, fields.timestampDelta === undefined ? 0 : fields.timestampDelta, fields);

  // Same parameters and defaults as kafkajs recordBatch/v0 RecordBatch.
  async function RecordBatch(options) {
    const batch = withBatchDefaults(options);
    if (batch.compression !== NO_COMPRESSION || !batch.records.every((record) => record instanceof PendingRecord)) return originalRecordBatch(options);
    const size = sizeOfBatch(batch.records);
    const buf = Buffer.allocUnsafe(size);
    writeBatch(buf, 0, batch, size);
    return new EncodedBytes(buf);
  }

  // Room left before a produce request's payload for its frame header (size, api key and version, correlation
  // id, client id), see createRequest; a longer client id costs a copy, nothing else.
  const FRAME_HEADROOM = 256;

  const sizeOfString = (value) => (value == null ? 2 : 2 + Buffer.byteLength(value, 'utf8'));
  // kafkajs Encoder.writeString: int16 length (-1 for null), UTF-8.
  function writeString(buf, offset, value) {
    if (value == null) {
      buf.writeInt16BE(-1, offset);
      return offset + 2;
    }
    const length = Buffer.byteLength(value, 'utf8');
    buf.writeInt16BE(length, offset);
    buf.write(value, offset + 2, length, 'utf8');
    return offset + 2 + length;
  }

  /**
   * kafkajs produce/v3's batch timestamps: the first and last of the messages' timestamps sorted by .sort()
   * (as strings, like kafkajs), or now when none has one.
   */
  function batchTimestamps(messages, dateNow) {
    let anyTimestamp = false;
    for (let i = 0; i < messages.length && !anyTimestamp; i++) anyTimestamp = messages[i].timestamp != null;
    if (!anyTimestamp) return { firstTimestamp: dateNow, maxTimestamp: dateNow };
    const timestamps = messages.map((m) => m.timestamp).filter((timestamp) => timestamp != null).sort();
    return { firstTimestamp: timestamps[0], maxTimestamp: timestamps[timestamps.length - 1] };
  }

  /** One partition's batch as produce/v3's partitionsEncoder builds it, planned: { batch, size }. */
  function planPartitionBatch({ messages, firstSequence }, { producerId, producerEpoch, transactional }) {
    const dateNow = Date.now();
    const { firstTimestamp, maxTimestamp } = batchTimestamps(messages, dateNow);
    const records = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      // kafkajs spreads the message into a new object with these two fields; the record just points to it.
      records[i] = new PendingRecord(message, i, (message.timestamp || dateNow) - firstTimestamp, null);
    }
    const batch = withBatchDefaults({
      compression: NO_COMPRESSION, records, firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, transactional,
      lastOffsetDelta: records.length - 1,
    });
    return { batch, size: sizeOfBatch(records) };
  }

  /**
   * The produce request v3 body in one buffer sized up front: transactional_id acks timeout
   * [topic [partition record_set]], each record_set an int32 size and the batch, as kafkajs's nested Encoders
   * write it.
   */
  function encodeProduceRequest({ acks, timeout, transactionalId, producerId, producerEpoch, topicData }) {
    const common = { producerId, producerEpoch, transactional: !!transactionalId };
    let size = sizeOfString(transactionalId) + 2 + 4 + 4;
    const topics = [];
    for (const { topic, partitions } of topicData) {
      const batches = [];
      for (const data of partitions) {
        const planned = planPartitionBatch(data, common);
        batches.push({ partition: data.partition, ...planned });
        size += 4 + 4 + planned.size;
      }
      size += sizeOfString(topic) + 4;
      topics.push({ topic, batches });
    }
    const buf = Buffer.allocUnsafe(FRAME_HEADROOM + size).subarray(FRAME_HEADROOM);
    let offset = writeString(buf, 0, transactionalId);
    buf.writeInt16BE(acks, offset);
    buf.writeInt32BE(timeout, offset + 2);
    buf.writeInt32BE(topics.length, offset + 6);
    offset += 10;
    for (const { topic, batches } of topics) {
      offset = writeString(buf, offset, topic);
      buf.writeInt32BE(batches.length, offset);
      offset += 4;
      for (const { partition, batch, size: batchSize } of batches) {
        buf.writeInt32BE(partition, offset);
        buf.writeInt32BE(batchSize, offset + 4);
        offset = writeBatch(buf, offset + 8, batch, batchSize);
      }
    }
    if (offset !== size) throw new Error('fast produce request: wrote ' + offset + ' of ' + size + ' bytes');
    return new EncodedBytes(buf, FRAME_HEADROOM);
  }

  // Same parameters, defaults and request fields as kafkajs requests/produce/v3/request.
  function ProduceRequest({ acks, timeout, transactionalId = null, producerId = Long.fromInt(-1), producerEpoch = 0, compression = NO_COMPRESSION, topicData }) {
    const args = { acks, timeout, transactionalId, producerId, producerEpoch, compression, topicData };
    return {
      apiKey: produceApiKey,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async () => (compression === NO_COMPRESSION ? encodeProduceRequest(args) : originalProduceRequest(args).encode()),
    };
  }

  /**
   * kafkajs protocol/request (the frame of every request): size, api key and version, correlation id, client
   * id, payload; in one exact-size buffer instead of two zero-filled, doubled Encoders each copying the payload.
   * A produce request (a batch of ~0.5 MB) is not even copied: its encoder left room for the header in front.
   */
  async function createRequest({ correlationId, clientId, request: { apiKey, apiVersion, encode } }) {
    const payload = await encode();
    if (payload == null || !Buffer.isBuffer(payload.buf)) throw new Error('value should be an instance of Encoder');
    const body = payload.buffer;
    const headerSize = 4 + 2 + 2 + 4 + sizeOfString(clientId);
    // The payload was made by this encode() call, for this frame only: its headroom is free to write.
    const inPlace = payload instanceof EncodedBytes && payload.headroom >= headerSize;
    const buf = inPlace ? Buffer.from(body.buffer, body.byteOffset - headerSize, headerSize + body.length) : Buffer.allocUnsafe(headerSize + body.length);
    buf.writeInt32BE(headerSize - 4 + body.length, 0);
    buf.writeInt16BE(apiKey, 4);
    buf.writeInt16BE(apiVersion, 6);
    buf.writeInt32BE(correlationId, 8);
    writeString(buf, 12, clientId);
    if (!inPlace) buf.set(body, headerSize);
    return new EncodedBytes(buf);
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

  return {
    Record, RecordBatch, ProduceRequest, createRequest, groupMessagesPerPartition, crc32c, createKeyHashPartitioner,
    preEncodeMessages, PER_RECORD,
  };
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
  const producePath = modulePath('protocol/requests/produce/v3/request');
  const framePath = modulePath('protocol/request');
  const groupPath = modulePath('producer/groupMessagesPerPartition');
  for (const loaded of [recordPath, batchPath, producePath, framePath, groupPath]) {
    if (require.cache[loaded]) return { installed: false, reason: 'kafkajs was loaded before the fast encoders could be installed' };
  }
  const originalRecord = require(recordPath);
  const stockBatch = require(batchPath);
  let stockProduceRequest = null; // loaded below, once it can bind the fast Record and RecordBatch
  const fast = createFastProduceEncoding({
    Long: require(path.join(src, 'utils/long')),
    Encoder: require(path.join(src, 'protocol/encoder')),
    originalRecord,
    originalRecordBatch: stockBatch.RecordBatch,
    originalProduceRequest: (args) => stockProduceRequest(args),
    produceApiKey: require(path.join(src, 'protocol/requests/apiKeys')).Produce,
    murmur2: require(path.join(src, 'producer/partitioners/default/murmur2')),
  });
  // Every kafkajs module that requires these from now on gets the replacements (this thread only).
  require.cache[recordPath].exports = fast.Record;
  require.cache[batchPath].exports = { ...stockBatch, RecordBatch: fast.RecordBatch };
  // The stock request (kept for compressed sends) binds the fast Record, which knows pre-encoded records.
  stockProduceRequest = require(producePath);
  require.cache[producePath].exports = fast.ProduceRequest;
  require(framePath);
  require.cache[framePath].exports = fast.createRequest;
  require(groupPath);
  require.cache[groupPath].exports = fast.groupMessagesPerPartition;
  return { installed: true, createKeyHashPartitioner: fast.createKeyHashPartitioner, preEncodeMessages: fast.preEncodeMessages, PER_RECORD: fast.PER_RECORD };
}
`;

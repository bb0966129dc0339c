/**
 * Byte and number reading for the fast fetch decoder (fast-fetch-decoding.ts): kafkajs 2.2.4's Decoder
 * (protocol/decoder.js) reads, redone at integer positions of one buffer, and strict where kafkajs is lenient.
 *
 * Why strict: kafkajs reads past the end of a record without complaint (a missing varint byte reads as 0, a
 * slice is cut short) or with an error, depending on the field. Rather than mirror each of those, every read
 * here that would leave the data kafkajs is sure to decode normally throws NOT_HANDLED, and the decoder gives
 * the whole batch to kafkajs, whose result (or error) is then the answer by definition.
 */

/**
 * Thrown (one shared instance: no stack trace to capture) when a batch is not one the fast decoder vouches for;
 * caught by it, which then hands the batch to kafkajs's decoder.
 */
class NotHandledHere extends Error {}
export const NOT_HANDLED: Error = new NotHandledHere('left to kafkajs');

/** Up to 7 varlong bytes (49 bits) add up exactly as Numbers; longer ones (deltas of ≥ 2^48) go to kafkajs. */
const MAX_NUMBER_VARLONG_BYTES = 7;
const MAX_NUMBER_VARLONG_SCALE = 128 ** MAX_NUMBER_VARLONG_BYTES;

/** A position in a buffer, with the end of what is being read (a batch, then each record in turn). */
export class ByteCursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    public end: number,
  ) {}

  /** kafkajs's Decoder.readVarInt, with the same arithmetic (so the same 32-bit result), for ≤ 5 bytes. */
  varInt(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    let byte: number;
    do {
      if (pos >= this.end || shift > 28) throw NOT_HANDLED;
      byte = buf[pos++]!;
      result += (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    this.pos = pos;
    return (result >>> 1) ^ -(result & 1);
  }

  /** kafkajs's Decoder.readVarLong as a Number, for varlongs short enough to be exact (MAX_NUMBER_VARLONG_BYTES). */
  varLong(): number {
    const buf = this.buf;
    let pos = this.pos;
    let zigZagged = 0;
    let scale = 1;
    let byte: number;
    do {
      if (pos >= this.end || scale === MAX_NUMBER_VARLONG_SCALE) throw NOT_HANDLED;
      byte = buf[pos++]!;
      zigZagged += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte >= 0x80);
    this.pos = pos;
    return zigZagged % 2 === 0 ? zigZagged / 2 : -(zigZagged + 1) / 2;
  }

  int8(): number {
    if (this.pos >= this.end) throw NOT_HANDLED;
    return (this.buf[this.pos++]! << 24) >> 24;
  }

  /** Moves past `length` bytes, which must lie inside the current bounds; returns where they start. */
  skip(length: number): number {
    const start = this.pos;
    if (length < 0 || length > this.end - start) throw NOT_HANDLED;
    this.pos = start + length;
    return start;
  }

  /** kafkajs's Decoder.readVarIntBytes: a varint length (-1: null), then that many bytes as a view (no copy). */
  nullableBytes(): Buffer | null {
    const length = this.varInt();
    if (length === -1) return null;
    const start = this.skip(length);
    return this.buf.subarray(start, start + length);
  }
}

/** kafkajs's Decoder.readInt64().toString(): the signed 64-bit integer in decimal, computed the same way. */
export function int64String(buf: Buffer, at: number): string {
  return ((BigInt(buf.readInt32BE(at)) << 32n) + BigInt(buf.readUInt32BE(at + 4))).toString();
}

/** The signed 64-bit integer as a Number if it is a safe integer, else NaN (so that any sum with it is unsafe). */
export function int64Number(buf: Buffer, at: number): number {
  const value = buf.readInt32BE(at) * 2 ** 32 + buf.readUInt32BE(at + 4);
  return Number.isSafeInteger(value) ? value : NaN;
}

/**
 * `base + delta` in decimal, as kafkajs's `Long.fromValue(base).add(delta).toString()` gives it, for safe
 * integers (exact as Numbers: both terms are safe, and so is the sum). Anything else is left to kafkajs's Long.
 */
export function decimalSum(base: number, delta: number): string {
  const sum = base + delta;
  if (!Number.isSafeInteger(sum)) throw NOT_HANDLED;
  return safeIntegerToDecimal(sum);
}

const BILLION = 1_000_000_000;
const SMALL_INTEGER_LIMIT = 2 ** 31;

/**
 * String(value) for a safe integer. Why not String: V8 converts integers beyond 2^31 (every timestamp, and
 * offsets past 2^31) through its generic double-to-string path, ~10x slower than two small integers.
 */
export function safeIntegerToDecimal(value: number): string {
  if (value < SMALL_INTEGER_LIMIT) return String(value);
  const low = value % BILLION; // exact: % on doubles is exact, and so is the division of a multiple below
  const high = (value - low) / BILLION;
  return String(high) + String(BILLION + low).slice(1); // the low nine digits, zero-padded
}

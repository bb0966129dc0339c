/**
 * Record headers for the fast fetch decoder (fast-fetch-decoding.ts), as kafkajs 2.2.4's record/v0/decoder.js
 * builds them: an object mapping each name to its value (a Buffer view, or null), or, for a name repeated in
 * the record, to the array of its values in order.
 *
 * Why not kafkajs's way: it allocates a `{ key, value }` per header, then re-spreads the whole object for each
 * header (~2.7 µs for ingest's six CloudEvents headers). The messages of a topic carry the same names in the
 * same order, so for each such sequence of names (a "layout") this compiles a function returning an object
 * literal with those names: a record whose names match a recent layout byte for byte gets its headers in one
 * allocation, with no UTF-8 decoding and no shape transition per property. Other records are built name by name.
 */
import { type ByteCursor, NOT_HANDLED } from './fast-fetch-decoding-bytes';

export type HeaderValue = Buffer | null;
export type RecordHeaders = Record<string, HeaderValue | HeaderValue[]>;

interface HeaderLayout {
  nameBytes: Buffer[];
  build: (values: HeaderValue[]) => RecordHeaders;
}

const RECENT_LAYOUTS = 4;
/** Compiled functions stay in memory; if a topic's header names keep changing, compiling stops after this many. */
const MAX_COMPILED_LAYOUTS = 64;
/** Literals with more properties than this gain little; such records are built name by name. */
const MAX_LAYOUT_HEADERS = 32;

/** Reads records' headers; one per decoder, as it keeps the recent layouts and reuses its scratch space. */
export class HeadersReader {
  private readonly recentLayouts: HeaderLayout[] = [];
  private compiled = 0;
  private compileBudget = MAX_COMPILED_LAYOUTS;
  // One record's headers as read, before they become an object (decoding a batch is synchronous).
  private readonly nameAt: number[] = [];
  private readonly nameLength: number[] = [];
  private readonly values: HeaderValue[] = [];

  /** How many layouts were compiled (for tests: at most MAX_COMPILED_LAYOUTS). */
  get compiledLayouts(): number {
    return this.compiled;
  }

  /** The record's headers; the cursor is at their count (kafkajs's readVarIntArray of HeaderDecoder). */
  read(cursor: ByteCursor): RecordHeaders {
    const count = this.readFields(cursor);
    if (count === 0) return {};
    const layout = this.findLayout(cursor.buf, count);
    const headers = layout !== null ? layout.build(this.values) : this.buildByName(cursor.buf, count);
    this.forgetValues(count);
    return headers;
  }

  /** Reads each header's name position and value into the scratch space; returns their count. */
  private readFields(cursor: ByteCursor): number {
    const count = cursor.varInt();
    if (count === -1) return 0; // kafkajs's readVarIntArray reads a -1 count as an empty array
    if (count < 0) throw NOT_HANDLED;
    for (let h = 0; h < count; h++) {
      const length = cursor.varInt(); // a null name (-1), which kafkajs would make "null", fails skip: left to kafkajs
      this.nameAt[h] = cursor.skip(length);
      this.nameLength[h] = length;
      this.values[h] = cursor.nullableBytes();
    }
    return count;
  }

  /** So that the scratch space does not keep the fetch response alive (a loop: Array#fill is slow on a few items). */
  private forgetValues(count: number): void {
    for (let h = 0; h < count; h++) this.values[h] = null;
  }

  private findLayout(buf: Buffer, count: number): HeaderLayout | null {
    const layouts = this.recentLayouts;
    for (let i = 0; i < layouts.length; i++) {
      const layout = layouts[i]!;
      if (!this.layoutMatches(layout, buf, count)) continue;
      if (i > 0) {
        layouts.splice(i, 1);
        layouts.unshift(layout);
      }
      return layout;
    }
    return null;
  }

  private layoutMatches(layout: HeaderLayout, buf: Buffer, count: number): boolean {
    const names = layout.nameBytes;
    if (names.length !== count) return false;
    for (let h = 0; h < count; h++) if (!sameBytes(buf, this.nameAt[h]!, this.nameLength[h]!, names[h]!)) return false;
    return true;
  }

  /** The general case: names decoded (kafkajs's readVarIntString: UTF-8, invalid bytes → U+FFFD), then assigned. */
  private buildByName(buf: Buffer, count: number): RecordHeaders {
    const names = new Array<string>(count);
    for (let h = 0; h < count; h++) names[h] = buf.toString('utf8', this.nameAt[h]!, this.nameAt[h]! + this.nameLength[h]!);
    const headers = assignHeaders(names, this.values);
    if (headers === null) return stockHeadersReduce(names, this.values);
    // Distinct names (none merged into an array) can make a layout; assignHeaders rejected Object.prototype's.
    if (Object.keys(headers).length === count) this.rememberLayout(names, buf);
    return headers;
  }

  private rememberLayout(names: string[], buf: Buffer): void {
    if (this.compileBudget === 0 || names.length > MAX_LAYOUT_HEADERS || names.includes('__proto__')) return;
    this.compileBudget--;
    let build: HeaderLayout['build'];
    try {
      build = compileHeadersLiteral(names);
    } catch {
      this.compileBudget = 0; // code generation disallowed (--disallow-code-generation-from-strings)
      return;
    }
    this.compiled++;
    const nameBytes = names.map((_, h) => Buffer.from(buf.subarray(this.nameAt[h]!, this.nameAt[h]! + this.nameLength[h]!)));
    this.recentLayouts.unshift({ nameBytes, build });
    if (this.recentLayouts.length > RECENT_LAYOUTS) this.recentLayouts.pop();
  }
}

function sameBytes(buf: Buffer, start: number, length: number, expected: Buffer): boolean {
  if (expected.length !== length) return false;
  for (let i = 0; i < length; i++) if (buf[start + i] !== expected[i]) return false;
  return true;
}

/** null if a name resolves on Object.prototype (`__proto__`, `toString`...): see stockHeadersReduce. */
function assignHeaders(names: string[], values: HeaderValue[]): RecordHeaders | null {
  const headers: RecordHeaders = {};
  for (let h = 0; h < names.length; h++) {
    const name = names[h]!;
    const value = values[h]!;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (!Object.hasOwn(headers, name)) return null;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing, value];
  }
  return headers;
}

/**
 * kafkajs's reduce (record/v0/decoder.js), verbatim, for names that resolve on Object.prototype: there its
 * `obj[key] === undefined` test sees the inherited member, and its computed-key literal defines `__proto__` as
 * an own property, neither of which plain assignment reproduces.
 */
function stockHeadersReduce(names: string[], values: HeaderValue[]): RecordHeaders {
  const pairs = names.map((key, h) => ({ key, value: values[h]! }));
  return pairs.reduce<RecordHeaders>(
    (obj, { key, value }) => ({
      ...obj,
      [key]: obj[key] === undefined ? value : Array.isArray(obj[key]) ? obj[key].concat([value]) : [obj[key], value],
    }),
    {},
  );
}

/**
 * `values => ({ "name0": values[0], ... })`. The names are distinct and never `__proto__` (which a literal would
 * take as the prototype); JSON.stringify makes each a string literal (JSON is a subset of JavaScript), so no
 * header name can inject code.
 */
function compileHeadersLiteral(names: string[]): HeaderLayout['build'] {
  const properties = names.map((name, h) => `${JSON.stringify(name)}: values[${h}]`);
  return new Function('values', `return { ${properties.join(', ')} };`) as HeaderLayout['build'];
}

import { parseHeaderValue } from './content-type';

/**
 * Incremental parser of a `multipart/*` body (RFC 2046 §5.1) for the two Hikvision push paths: the endless
 * `alertStream` (`multipart/mixed`) and the httpHosts POST (`multipart/form-data`), device-protocols.md §3.4-3.5.
 *
 * Properties the gateway relies on (and the property tests check):
 * - chunking does not matter: bytes can be split anywhere (inside the boundary, inside a header line, between
 *   CR and LF) and the parts are the same;
 * - a part is emitted only when its closing delimiter has arrived and been confirmed (followed by CRLF, LF,
 *   transport padding or `--`), so a truncated stream never yields a half part as complete;
 * - it never throws on input, and its memory is bounded: binary parts (face pictures, up to hundreds of KB)
 *   are counted and discarded as they stream, headers and kept bodies have size caps.
 *
 * Parts are delimited by the boundary, not by `Content-Length`: the captures carry a correct Content-Length
 * (stream_77), but a wrong one must not make us swallow the next event. The length is reported and checked.
 * Line ends may be CRLF (what the device sends) or bare LF.
 */
export interface MultipartPart {
  /** 0-based position of the part in the stream. */
  index: number;
  /** Lower-cased names; the first occurrence of a repeated header wins. */
  headers: ReadonlyMap<string, string>;
  /** Media type without parameters, lower-cased (`application/json`); `null` when the part has none. */
  contentType: string | null;
  contentLength: number | null;
  /** The body; `null` when it was skipped (see `skipped`). */
  body: Buffer | null;
  /** Body size in bytes, as delimited by the boundary. */
  size: number;
  skipped: null | 'binary' | 'oversize' | 'bad-headers';
  /** `null` without a Content-Length header. */
  contentLengthMatches: boolean | null;
}

export type MultipartIssue = 'headers-too-large' | 'malformed-header-line' | 'missing-header-terminator' | 'content-length-mismatch' | 'oversize-body';

export interface MultipartParserOptions {
  /** Header block cap per part (default 16 KiB); a larger block makes the part skipped. */
  maxHeaderBytes?: number;
  /** Cap of a kept body (default 1 MiB); a larger one is skipped as `oversize`. */
  maxBodyBytes?: number;
  /** Which bodies to keep. Default: no Content-Type, `text/*`, and anything JSON or XML. */
  keepBody?: (contentType: string | null, headers: ReadonlyMap<string, string>) => boolean;
}

export interface MultipartEndState {
  /** The closing delimiter (`--boundary--`) was seen. */
  closed: boolean;
  /** The input ended inside a part (its bytes are dropped, never emitted). */
  truncated: boolean;
  partsEmitted: number;
  issues: Readonly<Record<MultipartIssue, number>>;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const MAX_PADDING = 64;

type State = 'preamble' | 'headers' | 'body' | 'epilogue';

function defaultKeep(contentType: string | null): boolean {
  if (contentType === null || contentType === '') return true;
  return contentType.startsWith('text/') || contentType.includes('json') || contentType.includes('xml');
}

export class MultipartStreamParser {
  private readonly dash: Buffer;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private readonly keepBody: NonNullable<MultipartParserOptions['keepBody']>;

  private state: State = 'preamble';
  private buf: Buffer = Buffer.alloc(0);
  /** The byte before `buf[0]` ended a line (or there is none): a delimiter may start at offset 0. */
  private lineStart = true;
  private partIndex = 0;
  private current: {
    headers: Map<string, string>;
    contentType: string | null;
    contentLength: number | null;
    keep: boolean;
    skipped: MultipartPart['skipped'];
    chunks: Buffer[];
    size: number;
  } | null = null;
  private readonly issueCounts: Record<MultipartIssue, number> = {
    'headers-too-large': 0,
    'malformed-header-line': 0,
    'missing-header-terminator': 0,
    'content-length-mismatch': 0,
    'oversize-body': 0,
  };

  constructor(boundary: string, options: MultipartParserOptions = {}) {
    this.dash = Buffer.from(`--${boundary}`, 'latin1');
    this.maxHeaderBytes = options.maxHeaderBytes ?? 16 * 1024;
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.keepBody = options.keepBody ?? ((contentType) => defaultKeep(contentType));
  }

  get issues(): Readonly<Record<MultipartIssue, number>> {
    return this.issueCounts;
  }

  /** Feeds bytes; returns the parts completed by them, in order. */
  push(chunk: Uint8Array): MultipartPart[] {
    if (this.finished() || chunk.length === 0) return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: MultipartPart[] = [];
    while (this.step(out)) {
      // each step consumes input or changes state; it returns false when it needs more bytes
    }
    if (this.finished()) this.buf = Buffer.alloc(0);
    return out;
  }

  private finished(): boolean {
    return this.state === 'epilogue';
  }

  private step(out: MultipartPart[]): boolean {
    switch (this.state) {
      case 'preamble':
        return this.stepPreamble();
      case 'headers':
        return this.stepHeaders();
      case 'body':
        return this.stepBody(out);
      case 'epilogue':
        return false;
    }
  }

  /** Declares the input finished. A part without its closing delimiter is dropped and reported as truncation. */
  end(): MultipartEndState {
    // Right after a delimiter (no bytes of the next part yet) the stream is between parts, not inside one.
    const truncated = this.state === 'body' || (this.state === 'headers' && this.buf.length > 0);
    this.current = null;
    this.buf = Buffer.alloc(0);
    const closed = this.state === 'epilogue';
    this.state = 'epilogue';
    return { closed, truncated, partsEmitted: this.partIndex, issues: { ...this.issueCounts } };
  }

  /**
   * Next confirmed delimiter at or after `from`: `--boundary` at a line start, followed by `--` (close) or
   * optional padding and a line end. `need-more` when a candidate cannot be judged yet.
   */
  private findDelimiter(from: number): { at: number; end: number; close: boolean } | 'none' | { needMoreAt: number } {
    let search = from;
    for (;;) {
      const at = this.buf.indexOf(this.dash, search);
      if (at === -1) return 'none';
      search = at + 1;
      if (!(at === 0 ? this.lineStart : this.buf[at - 1] === LF)) continue;
      let i = at + this.dash.length;
      if (i >= this.buf.length) return { needMoreAt: at };
      if (this.buf[i] === DASH) {
        if (i + 1 >= this.buf.length) return { needMoreAt: at };
        if (this.buf[i + 1] === DASH) return { at, end: i + 2, close: true };
        continue;
      }
      const padStart = i;
      while (i < this.buf.length && (this.buf[i] === 0x20 || this.buf[i] === 0x09) && i - padStart <= MAX_PADDING) i++;
      if (i - padStart > MAX_PADDING) continue;
      if (i >= this.buf.length) return { needMoreAt: at };
      if (this.buf[i] === LF) return { at, end: i + 1, close: false };
      if (this.buf[i] === CR) {
        if (i + 1 >= this.buf.length) return { needMoreAt: at };
        if (this.buf[i + 1] === LF) return { at, end: i + 2, close: false };
      }
    }
  }

  /** How many leading bytes of `buf` can be let go without losing a delimiter split across chunks. */
  private safePrefix(): number {
    return Math.max(0, this.buf.length - (this.dash.length + 2));
  }

  private consume(n: number): void {
    if (n <= 0) return;
    this.lineStart = this.buf[n - 1] === LF;
    this.buf = this.buf.subarray(n);
  }

  private afterDelimiter(found: { end: number; close: boolean }): void {
    this.buf = this.buf.subarray(found.end);
    this.lineStart = true;
    this.state = found.close ? 'epilogue' : 'headers';
  }

  private stepPreamble(): boolean {
    const found = this.findDelimiter(0);
    if (found === 'none') {
      this.consume(this.safePrefix());
      return false;
    }
    if ('needMoreAt' in found) {
      this.consume(found.needMoreAt);
      return false;
    }
    this.afterDelimiter(found);
    return true;
  }

  private stepHeaders(): boolean {
    const buf = this.buf;
    let blockEnd = -1; // end of the header lines (exclusive)
    let bodyStart = -1;
    if (buf.length >= 1 && buf[0] === LF) [blockEnd, bodyStart] = [0, 1];
    else if (buf.length >= 2 && buf[0] === CR && buf[1] === LF) [blockEnd, bodyStart] = [0, 2];
    else if (buf.length === 1 && buf[0] === CR) return false;
    else {
      for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) {
        if (buf[i + 1] === LF) [blockEnd, bodyStart] = [i + 1, i + 2];
        else if (buf[i + 1] === CR && buf[i + 2] === LF) [blockEnd, bodyStart] = [i + 1, i + 3];
        else continue;
        break;
      }
    }

    // A delimiter line before the blank line: the part had no header terminator. Drop it and resync there.
    const limit = blockEnd === -1 ? buf.length : blockEnd;
    const stray = this.findDelimiter(0);
    if (typeof stray === 'object' && 'at' in stray && stray.at < limit) {
      this.issueCounts['missing-header-terminator']++;
      this.afterDelimiter(stray);
      return true;
    }

    if (blockEnd === -1) {
      if (buf.length > this.maxHeaderBytes) {
        this.issueCounts['headers-too-large']++;
        this.startBody(new Map(), 'bad-headers');
        this.consume(this.safePrefix());
        return true;
      }
      return false;
    }
    if (blockEnd > this.maxHeaderBytes) {
      this.issueCounts['headers-too-large']++;
      this.startBody(new Map(), 'bad-headers');
    } else {
      this.startBody(this.parseHeaderBlock(buf.subarray(0, blockEnd).toString('utf8')), null);
    }
    this.buf = buf.subarray(bodyStart);
    this.lineStart = true;
    return true;
  }

  private parseHeaderBlock(text: string): Map<string, string> {
    const headers = new Map<string, string>();
    let lastName: string | null = null;
    for (const line of text.split(/\r?\n/)) {
      if (line === '') continue;
      if ((line[0] === ' ' || line[0] === '\t') && lastName !== null) {
        headers.set(lastName, `${headers.get(lastName) ?? ''} ${line.trim()}`.trim());
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) {
        this.issueCounts['malformed-header-line']++;
        lastName = null;
        continue;
      }
      const name = line.slice(0, colon).trim().toLowerCase();
      lastName = headers.has(name) ? null : name;
      if (lastName !== null) headers.set(name, line.slice(colon + 1).trim());
    }
    return headers;
  }

  private startBody(headers: Map<string, string>, skipped: MultipartPart['skipped']): void {
    const rawType = headers.get('content-type');
    const contentType = rawType === undefined ? null : parseHeaderValue(rawType).value || null;
    const lengthText = headers.get('content-length');
    const contentLength = lengthText !== undefined && /^\d{1,15}$/.test(lengthText) ? Number(lengthText) : null;
    const keep = skipped === null && this.keepBody(contentType, headers);
    this.current = { headers, contentType, contentLength, keep, skipped: skipped ?? (keep ? null : 'binary'), chunks: [], size: 0 };
    this.state = 'body';
  }

  private appendBody(bytes: Buffer): void {
    const part = this.current!;
    if (bytes.length === 0) return;
    part.size += bytes.length;
    if (!part.keep) return;
    if (part.size > this.maxBodyBytes) {
      this.issueCounts['oversize-body']++;
      part.keep = false;
      part.skipped = 'oversize';
      part.chunks = [];
      return;
    }
    part.chunks.push(Buffer.from(bytes)); // copy: `buf` is a view that later concats would otherwise pin
  }

  private stepBody(out: MultipartPart[]): boolean {
    const found = this.findDelimiter(0);
    if (found === 'none' || 'needMoreAt' in found) {
      // Keep the tail that may hold `CRLF--boundary`, or everything from an undecided candidate's line end.
      const keepFrom = found === 'none' ? this.safePrefix() : Math.max(0, found.needMoreAt - 2);
      this.appendBody(this.buf.subarray(0, keepFrom));
      this.consume(keepFrom);
      return false;
    }
    // The line end before the delimiter belongs to the delimiter, not to the body.
    let bodyEnd = found.at;
    if (bodyEnd > 0 && this.buf[bodyEnd - 1] === LF) bodyEnd--;
    if (bodyEnd > 0 && this.buf[bodyEnd - 1] === CR) bodyEnd--;
    this.appendBody(this.buf.subarray(0, bodyEnd));
    const part = this.current!;
    const contentLengthMatches = part.contentLength === null ? null : part.contentLength === part.size;
    if (contentLengthMatches === false) this.issueCounts['content-length-mismatch']++;
    out.push({
      index: this.partIndex++,
      headers: part.headers,
      contentType: part.contentType,
      contentLength: part.contentLength,
      body: part.keep ? Buffer.concat(part.chunks) : null,
      size: part.size,
      skipped: part.keep ? null : part.skipped,
      contentLengthMatches,
    });
    this.current = null;
    this.afterDelimiter(found);
    return true;
  }
}

/** Whole-body convenience for request bodies already in memory (httpHosts). */
export function parseMultipartBody(body: Uint8Array, boundary: string, options?: MultipartParserOptions): { parts: MultipartPart[]; end: MultipartEndState } {
  const parser = new MultipartStreamParser(boundary, options);
  const parts = parser.push(body);
  return { parts, end: parser.end() };
}

import { multipartBoundary } from './content-type';
import {
  ALERT_EVENT_587,
  ALERT_EVENT_589,
  ALERT_EVENT_591,
  ALERT_EVENT_592,
  ALERT_STREAM_CONTENT_TYPE,
  EVENT_LOG_STREAM_80,
  HTTP_HOSTS_BODY_STREAM_80,
  HTTP_HOSTS_CONTENT_TYPE,
  alertStreamBody77,
} from './isapi-captures.fixtures';
import { MultipartStreamParser, parseMultipartBody, type MultipartPart } from './multipart-stream-parser';

type Rng = () => number;
function rng(seed: number): Rng {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) & 0x7fffffff);
}

/** Feeds `bytes` split at random points (1..maxChunk bytes per chunk). */
function parseChunked(bytes: Buffer, boundary: string, next: Rng, maxChunk: number) {
  const parser = new MultipartStreamParser(boundary);
  const parts: MultipartPart[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const size = 1 + (next() % maxChunk);
    parts.push(...parser.push(bytes.subarray(pos, pos + size)));
    pos += size;
  }
  return { parts, end: parser.end() };
}

/** What a test compares: everything a consumer sees of a part. */
const view = (p: MultipartPart) => ({
  index: p.index,
  headers: [...p.headers],
  contentType: p.contentType,
  body: p.body?.toString('latin1') ?? null,
  size: p.size,
  skipped: p.skipped,
  contentLengthMatches: p.contentLengthMatches,
});

describe('captured Hikvision multipart bodies', () => {
  it('restores the captured JSON byte-exact (sizes equal the Content-Length the device sent)', () => {
    expect([EVENT_LOG_STREAM_80, ALERT_EVENT_587, ALERT_EVENT_589, ALERT_EVENT_591, ALERT_EVENT_592].map((s) => Buffer.byteLength(s))).toEqual([
      829, 813, 793, 1116, 792,
    ]);
    expect(Buffer.byteLength(HTTP_HOSTS_BODY_STREAM_80)).toBe(972);
  });

  it('parses the httpHosts POST of stream_80: one event_log part, then the closing delimiter', () => {
    const boundary = multipartBoundary(HTTP_HOSTS_CONTENT_TYPE)!;
    const { parts, end } = parseMultipartBody(Buffer.from(HTTP_HOSTS_BODY_STREAM_80), boundary);
    expect(end).toMatchObject({ closed: true, truncated: false, partsEmitted: 1 });
    expect(parts).toHaveLength(1);
    expect(parts[0]!.headers.get('content-disposition')).toBe('form-data; name="event_log"');
    expect(parts[0]).toMatchObject({ contentType: 'application/json', contentLength: 829, contentLengthMatches: true, skipped: null });
    expect(parts[0]!.body!.toString()).toBe(EVENT_LOG_STREAM_80);
  });

  it('parses the alertStream of stream_77: JSON parts without Content-Disposition, the face picture skipped', () => {
    const boundary = multipartBoundary(ALERT_STREAM_CONTENT_TYPE)!;
    const parser = new MultipartStreamParser(boundary);
    const parts = parser.push(alertStreamBody77());
    expect(parts.map((p) => [p.contentType, p.size, p.skipped, p.contentLengthMatches])).toEqual([
      ['application/json', 813, null, true],
      ['application/json', 793, null, true],
      ['application/json', 1116, null, true],
      ['image/jpeg', 18_756, 'binary', true],
      ['application/json', 792, null, true],
    ]);
    expect(parts[0]!.headers.has('content-disposition')).toBe(false);
    expect(parts[3]!.headers.get('content-id')).toBe('pictureImage');
    expect(parts[3]!.body).toBeNull();
    expect(parts[4]!.body!.toString()).toBe(ALERT_EVENT_592);
    // The stream never closes; ending it right after a delimiter is not a truncated part.
    expect(parser.end()).toMatchObject({ closed: false, truncated: false, partsEmitted: 5 });
  });

  it('emits each alertStream event as soon as its trailing delimiter arrives (no waiting for the next event)', () => {
    const parser = new MultipartStreamParser('MIME_boundary');
    expect(parser.push(Buffer.from('--MIME_boundary\r\n'))).toEqual([]);
    const json = '{"eventType":"heartBeat"}';
    const parts = parser.push(Buffer.from(`Content-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}\r\n--MIME_boundary\r\n`));
    expect(parts.map((p) => p.body?.toString())).toEqual([json]);
  });

  it('reads the boundary from quoted and unquoted Content-Type values', () => {
    expect(multipartBoundary('multipart/mixed; boundary=MIME_boundary')).toBe('MIME_boundary');
    expect(multipartBoundary('Multipart/Form-Data;boundary="a b:c"; charset=utf-8')).toBe('a b:c');
    expect(multipartBoundary('application/json')).toBeNull();
    expect(multipartBoundary('multipart/mixed')).toBeNull();
    expect(multipartBoundary(null)).toBeNull();
  });
});

describe('multipart edge cases', () => {
  const parse = (text: string, boundary = 'B') => parseMultipartBody(Buffer.from(text, 'latin1'), boundary);

  it('accepts bare LF line ends, transport padding, a preamble and an epilogue', () => {
    const { parts, end } = parse('preamble\n--B  \t\nContent-Type: text/plain\n\nhello\n--B--\nepilogue --B\n');
    expect(parts.map((p) => p.body?.toString())).toEqual(['hello']);
    expect(end.closed).toBe(true);
  });

  it('keeps the body CRLF that belongs to the body and strips the one that belongs to the delimiter', () => {
    const { parts } = parse('--B\r\n\r\nline\r\n\r\n--B\r\n\r\n\r\n--B\r\n\r\n--B--');
    expect(parts.map((p) => p.body?.toString())).toEqual(['line\r\n', '', '']);
  });

  it('does not take "--B" inside a line, or "--Bx", for a delimiter', () => {
    const { parts } = parse('--B\r\n\r\na--B\r\n--Bx\r\n--B--\r\n');
    expect(parts.map((p) => p.body?.toString())).toEqual(['a--B\r\n--Bx']);
  });

  it('resynchronises on a delimiter that comes before the header terminator', () => {
    const { parts, end } = parse('--B\r\nContent-Type: text/plain\r\n--B\r\nContent-Type: text/plain\r\n\r\nok\r\n--B--');
    expect(parts.map((p) => p.body?.toString())).toEqual(['ok']);
    expect(end.issues['missing-header-terminator']).toBe(1);
  });

  it('counts malformed header lines and a wrong Content-Length without losing the part', () => {
    const { parts, end } = parse('--B\r\nno colon here\r\nContent-Length: 99\r\n\r\nbody\r\n--B--');
    expect(parts[0]).toMatchObject({ size: 4, contentLength: 99, contentLengthMatches: false });
    expect(end.issues).toMatchObject({ 'malformed-header-line': 1, 'content-length-mismatch': 1 });
  });

  it('folds continuation header lines and keeps the first of repeated headers', () => {
    const { parts } = parse('--B\r\nX-A: one\r\n two\r\nX-A: three\r\n\r\n\r\n--B--');
    expect(parts[0]!.headers.get('x-a')).toBe('one two');
  });

  it('skips an oversize text body and a header block over the cap, and still finds the next part', () => {
    const parser = new MultipartStreamParser('B', { maxBodyBytes: 10, maxHeaderBytes: 40 });
    const parts = parser.push(Buffer.from(`--B\r\n\r\n${'x'.repeat(50)}\r\n--B\r\nX-Long: ${'y'.repeat(60)}\r\n\r\nz\r\n--B\r\n\r\nok\r\n--B--`));
    expect(parts.map((p) => [p.skipped, p.body?.toString() ?? null])).toEqual([
      ['oversize', null],
      ['bad-headers', null],
      [null, 'ok'],
    ]);
    expect(parser.end().issues).toMatchObject({ 'oversize-body': 1, 'headers-too-large': 1 });
  });

  it('bounds memory on an endless binary part: only a tail of the boundary size is retained', () => {
    const parser = new MultipartStreamParser('MIME_boundary');
    parser.push(Buffer.from('--MIME_boundary\r\nContent-Type: image/jpeg\r\n\r\n'));
    for (let i = 0; i < 200; i++) parser.push(Buffer.alloc(64 * 1024, 0x41));
    const retained = (parser as unknown as { buf: Buffer }).buf.length;
    expect(retained).toBeLessThanOrEqual('--MIME_boundary'.length + 2);
    expect(parser.push(Buffer.from('\r\n--MIME_boundary--'))[0]).toMatchObject({ size: 200 * 64 * 1024, skipped: 'binary' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property tests (seeded, deterministic).

interface Expected {
  headers: [string, string][];
  body: string | null;
  size: number;
}

const TRICKY = ['--', '\r\n', '\n', '-', 'MIME_boundary', '--MIME_bou', '\r\n--MIME_boundar', 'x', '{"a":1}', ':', ' '];

function randomText(next: Rng, maxLen: number): string {
  let out = '';
  const len = next() % maxLen;
  while (out.length < len) out += TRICKY[next() % TRICKY.length]!;
  return out;
}

function randomBinary(next: Rng, maxLen: number): string {
  const len = next() % maxLen;
  let out = '';
  for (let i = 0; i < len; i++) out += next() % 5 === 0 ? TRICKY[next() % TRICKY.length]! : String.fromCharCode(next() % 256);
  return out;
}

/** A random stream with known parts. Bodies never contain a real delimiter (`LF--boundary`), by construction. */
function randomStream(next: Rng, boundary: string): { bytes: Buffer; expected: Expected[]; closed: boolean } {
  const nl = next() % 4 === 0 ? '\n' : '\r\n';
  const dash = `--${boundary}`;
  const clean = (s: string) => {
    let out = s.split(`\n${dash}`).join('\n-x-');
    if (out.startsWith(dash)) out = `x${out}`;
    if (nl === '\n' && out.endsWith('\r')) out += 'x';
    return out;
  };
  const expected: Expected[] = [];
  let text = next() % 2 === 0 ? '' : `${clean(randomText(next, 40)).replace(/\n$/, '')}\n`.replace(/^\n$/, '');
  if (text.startsWith(dash) || text.includes(`\n${dash}`)) text = '';
  const count = next() % 6;
  for (let i = 0; i < count; i++) {
    const kind = next() % 4;
    const headers: [string, string][] = [];
    if (kind === 0) headers.push(['content-type', 'application/json; charset="UTF-8"']);
    if (kind === 1) headers.push(['content-type', 'image/jpeg']);
    if (kind === 2) headers.push(['content-type', 'text/plain']);
    if (next() % 2 === 0) headers.push(['x-note', `a:b ${'--'}${boundary.slice(0, 3)}`]);
    const body = clean(kind === 1 ? randomBinary(next, 300) : randomText(next, 200));
    const bodyLength = Buffer.byteLength(body, 'latin1');
    if (next() % 2 === 0) headers.push(['content-length', String(bodyLength)]);
    text += `${dash}${next() % 5 === 0 ? ' \t' : ''}${nl}${headers.map(([k, v]) => `${k}: ${v}${nl}`).join('')}${nl}${body}${nl}`;
    expected.push({ headers, body: kind === 1 ? null : body, size: bodyLength });
  }
  const closed = count > 0 && next() % 3 !== 0;
  if (closed) text += `${dash}--${nl}${next() % 2 === 0 ? randomText(next, 30) : ''}`;
  else if (count > 0) text += `${dash}${nl}`;
  return { bytes: Buffer.from(text, 'latin1'), expected, closed };
}

const boundaries = ['MIME_boundary', 'B', '----WebKitFormBoundary7MA4YWxkTrZu0gW', 'a:b c'];

describe('multipart property tests', () => {
  it('the same stream split at random points yields the same parts as the generator put in', () => {
    const next = rng(2024);
    for (let round = 0; round < 400; round++) {
      const boundary = boundaries[round % boundaries.length]!;
      const { bytes, expected, closed } = randomStream(next, boundary);
      const whole = parseMultipartBody(bytes, boundary);
      const asExpected = whole.parts.map((p) => ({ headers: [...p.headers], body: p.body?.toString('latin1') ?? null, size: p.size }));
      expect(asExpected).toEqual(expected);
      expect(whole.end.closed).toBe(closed);
      const chunked = parseChunked(bytes, boundary, next, 1 + (next() % 40));
      expect(chunked.parts.map(view)).toEqual(whole.parts.map(view));
      expect(chunked.end).toEqual(whole.end);
    }
  });

  it('byte-at-a-time delivery of the captured alertStream gives the same parts', () => {
    const bytes = alertStreamBody77();
    const whole = parseMultipartBody(bytes, 'MIME_boundary');
    const single = parseChunked(bytes, 'MIME_boundary', () => 0, 1);
    expect(single.parts.map(view)).toEqual(whole.parts.map(view));
  });

  it('a truncated stream never throws and never emits a half part: its parts are a prefix of the full ones', () => {
    const next = rng(77);
    for (let round = 0; round < 300; round++) {
      const boundary = boundaries[round % boundaries.length]!;
      const { bytes } = randomStream(next, boundary);
      const full = parseMultipartBody(bytes, boundary).parts.map(view);
      const cut = bytes.length === 0 ? 0 : next() % (bytes.length + 1);
      const prefix = parseChunked(bytes.subarray(0, cut), boundary, next, 1 + (next() % 25));
      expect(prefix.parts.length).toBeLessThanOrEqual(full.length);
      expect(prefix.parts.map(view)).toEqual(full.slice(0, prefix.parts.length));
    }
    // And the real capture cut at every 97th byte.
    const capture = alertStreamBody77();
    const full = parseMultipartBody(capture, 'MIME_boundary').parts.map(view);
    for (let cut = 0; cut <= capture.length; cut += 97) {
      const { parts, end } = parseMultipartBody(capture.subarray(0, cut), 'MIME_boundary');
      expect(parts.map(view)).toEqual(full.slice(0, parts.length));
      if (parts.length < full.length && end.truncated === false) {
        // Between parts: the bytes after the last emitted part are at most a delimiter line.
        expect(cut).toBeLessThanOrEqual(capture.length);
      }
    }
  });

  it('random garbage never crashes it, and chunking never changes what it reports', () => {
    const next = rng(4242);
    const alphabet = ['-', '--', '\r', '\n', '\r\n', 'MIME_boundary', '--MIME_boundary', ':', ' ', 'Content-Type: image/jpeg', '\t', 'x', '\u00ff'];
    for (let round = 0; round < 500; round++) {
      let text = '';
      const len = next() % 120;
      for (let i = 0; i < len; i++) text += next() % 3 === 0 ? String.fromCharCode(next() % 256) : alphabet[next() % alphabet.length]!;
      const bytes = Buffer.from(text, 'latin1');
      const whole = parseMultipartBody(bytes, 'MIME_boundary');
      for (const part of whole.parts) {
        expect(part.size).toBeGreaterThanOrEqual(0);
        if (part.body !== null) expect(part.body.length).toBe(part.size);
      }
      const chunked = parseChunked(bytes, 'MIME_boundary', next, 1 + (next() % 10));
      expect(chunked.parts.map(view)).toEqual(whole.parts.map(view));
      expect(chunked.end).toEqual(whole.end);
    }
  });
});

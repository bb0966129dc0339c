/**
 * Parser of `WWW-Authenticate` challenges (RFC 7235 syntax, RFC 7616 Digest parameters), written for the
 * Hikvision quirks that broke other clients (device-protocols.md §3.1, pain point P10): an empty `opaque`,
 * `domain="::"`, realms with brackets or other odd characters (needle#340), a `:` inside the nonce (needle#415),
 * unquoted parameter values, upper-case `stale="FALSE"`, and several challenges in one header, which is what
 * fetch hands us when a server sends several `WWW-Authenticate` headers (they are joined with ", ").
 *
 * It is a real tokenizer rather than a regular expression per parameter, because the regex approach is exactly
 * what failed on those devices: it cut values at `:` or `(`, or matched `realm` inside another quoted value.
 * Total: it never throws; what it cannot read is skipped.
 */

/** One challenge as sent: scheme and parameters (names lower-cased, values unquoted and unescaped). */
export interface AuthChallenge {
  scheme: string;
  params: ReadonlyMap<string, string>;
  /** The token68 form (`Basic abc==`), which carries no parameters. */
  token68: string | null;
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

const ALGORITHMS: ReadonlyMap<string, DigestAlgorithm> = new Map(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

/** A usable Digest challenge. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** `null` when absent; `""` when the device sent `opaque=""` (Hikvision does). */
  opaque: string | null;
  algorithm: DigestAlgorithm;
  /** The `algorithm` parameter exactly as sent, `null` when absent (then it is MD5 and is not echoed back). */
  algorithmRaw: string | null;
  /** Offered qop values we understand; `null` when the challenge has no qop (RFC 2069 compatibility mode). */
  qop: ('auth' | 'auth-int')[] | null;
  stale: boolean;
  /** RFC 7616 `userhash=true`: send H(username:realm) instead of the user name. */
  userhash: boolean;
  domain: string | null;
}

export type DigestChallengeRejection = { reason: 'missing-nonce' | 'missing-realm' | 'unsupported-algorithm' | 'unsupported-qop'; detail: string };

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^([A-Za-z0-9\-._~+/]+=*)[ \t]*(?:,|$)/;

/**
 * Splits one or more `WWW-Authenticate` values into challenges. Accepts the raw values (a `string[]` from
 * node:http `rawHeaders`) or the single comma-joined string fetch gives.
 */
export function parseAuthenticateHeaders(values: string | readonly string[] | null | undefined): AuthChallenge[] {
  if (values === null || values === undefined) return [];
  const list = typeof values === 'string' ? [values] : values;
  return list.flatMap(parseOne);
}

function parseOne(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Map<string, string>; token68: string | null }[] = [];
  let current: (typeof challenges)[number] | null = null;
  let justOpened = false;
  let pos = 0;
  const n = header.length;
  const skipOws = () => {
    while (pos < n && (header[pos] === ' ' || header[pos] === '\t')) pos++;
  };

  while (pos < n) {
    while (pos < n && (header[pos] === ' ' || header[pos] === '\t' || header[pos] === ',')) pos++;
    if (pos >= n) break;

    if (current && justOpened && current.scheme.toLowerCase() !== 'digest') {
      // `Basic abc==`: a token68 right after the scheme (no `name=value` structure). Digest never uses one.
      const token68 = TOKEN68.exec(header.slice(pos));
      if (token68 && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[^=,\s]/.test(header.slice(pos))) {
        current.token68 = token68[1]!;
        pos += token68[1]!.length;
        justOpened = false;
        continue;
      }
    }
    justOpened = false;

    const start = pos;
    while (pos < n && TCHAR.test(header[pos]!)) pos++;
    const token = header.slice(start, pos);
    if (token === '') {
      pos++; // stray character (a lone quote, `=`, `;`): skip it rather than give up on the header
      continue;
    }
    skipOws();
    if (header[pos] === '=') {
      pos++;
      skipOws();
      const value = header[pos] === '"' ? readQuoted() : readUnquoted();
      const name = token.toLowerCase();
      if (current && !current.params.has(name)) current.params.set(name, value);
      continue;
    }
    current = { scheme: token, params: new Map(), token68: null };
    challenges.push(current);
    justOpened = true;
  }
  return challenges;

  function readQuoted(): string {
    pos++; // opening quote
    let out = '';
    while (pos < n) {
      const ch = header[pos]!;
      if (ch === '\\' && pos + 1 < n) {
        out += header[pos + 1];
        pos += 2;
        continue;
      }
      if (ch === '"') {
        pos++;
        return out;
      }
      out += ch;
      pos++;
    }
    return out; // unterminated: keep what there is
  }

  function readUnquoted(): string {
    const start = pos;
    while (pos < n && header[pos] !== ',') pos++;
    return header.slice(start, pos).trim();
  }
}

/** Reads a Digest challenge's parameters; `null` plus a reason when it is not usable. */
export function toDigestChallenge(challenge: AuthChallenge): { ok: true; challenge: DigestChallenge } | { ok: false; rejection: DigestChallengeRejection } {
  const p = challenge.params;
  const nonce = p.get('nonce');
  if (nonce === undefined || nonce === '') return { ok: false, rejection: { reason: 'missing-nonce', detail: 'the Digest challenge has no nonce' } };
  const realm = p.get('realm');
  if (realm === undefined) return { ok: false, rejection: { reason: 'missing-realm', detail: 'the Digest challenge has no realm' } };
  const algorithmRaw = p.get('algorithm') ?? null;
  const algorithm = algorithmRaw === null ? 'MD5' : ALGORITHMS.get(algorithmRaw.toLowerCase());
  if (algorithm === undefined) {
    return { ok: false, rejection: { reason: 'unsupported-algorithm', detail: `algorithm ${algorithmRaw} is not supported` } };
  }
  const qopRaw = p.get('qop');
  let qop: DigestChallenge['qop'] = null;
  if (qopRaw !== undefined) {
    qop = qopRaw
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter((q): q is 'auth' | 'auth-int' => q === 'auth' || q === 'auth-int');
    if (qop.length === 0) return { ok: false, rejection: { reason: 'unsupported-qop', detail: `qop "${qopRaw}" offers neither auth nor auth-int` } };
  }
  return {
    ok: true,
    challenge: {
      realm,
      nonce,
      opaque: p.get('opaque') ?? null,
      algorithm,
      algorithmRaw,
      qop,
      stale: (p.get('stale') ?? '').toLowerCase() === 'true',
      userhash: (p.get('userhash') ?? '').toLowerCase() === 'true',
      domain: p.get('domain') ?? null,
    },
  };
}

// RFC 7616 §3.7: a client should use the strongest algorithm it supports. MD5 stays last but accepted,
// because Hikvision firmware offers nothing else.
const PREFERENCE: readonly DigestAlgorithm[] = ['SHA-512-256', 'SHA-256', 'SHA-512-256-sess', 'SHA-256-sess', 'MD5', 'MD5-sess'];

/**
 * The Digest challenge to answer among all the server offered (several headers, or Basic + Digest), or `null`
 * when there is none we can use. Basic is never chosen: it would send the device password in clear text.
 */
export function selectDigestChallenge(values: string | readonly string[] | null | undefined): DigestChallenge | null {
  const usable = parseAuthenticateHeaders(values)
    .filter((c) => c.scheme.toLowerCase() === 'digest')
    .map(toDigestChallenge)
    .flatMap((r) => (r.ok ? [r.challenge] : []));
  usable.sort((a, b) => PREFERENCE.indexOf(a.algorithm) - PREFERENCE.indexOf(b.algorithm));
  return usable[0] ?? null;
}

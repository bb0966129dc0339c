import { createHash, randomBytes } from 'node:crypto';
import type { DigestAlgorithm, DigestChallenge } from './digest-challenge';

/**
 * The client side of HTTP Digest (RFC 7616, and RFC 2617/2069 for servers without qop): the response hash
 * and the `Authorization` header. Pure apart from the default cnonce.
 */

const HASH_OF: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

function hasher(algorithm: DigestAlgorithm): (text: string) => string {
  const name = HASH_OF[algorithm.replace(/-sess$/, '')];
  if (name === undefined) throw new Error(`unsupported digest algorithm ${algorithm}`);
  return (text) => createHash(name).update(text, 'utf8').digest('hex');
}

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface DigestResponseInput extends DigestCredentials {
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
  method: string;
  /** The request-target exactly as sent: path and query (`/ISAPI/AccessControl/AcsEvent?format=json`). */
  uri: string;
  /** `null`: RFC 2069 mode (the server offered no qop). */
  qop: 'auth' | 'auth-int' | null;
  nc: number;
  cnonce: string;
  /** Request body, only used for `auth-int`. */
  body?: string | Uint8Array;
}

/** 8 lower-case hex digits (RFC 7616 `nc-value`). */
export function formatNonceCount(nc: number): string {
  return (nc >>> 0).toString(16).padStart(8, '0');
}

/** A fresh client nonce: 16 hex characters, like the capture's `cnonce="e46d1f2115dcd88e"`. */
export function newCnonce(): string {
  return randomBytes(8).toString('hex');
}

/** The `response` value: KD(H(A1), nonce:nc:cnonce:qop:H(A2)), or KD(H(A1), nonce:H(A2)) without qop. */
export function computeDigestResponse(input: DigestResponseInput): string {
  const h = hasher(input.algorithm);
  let ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  if (input.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${input.nonce}:${input.cnonce}`);
  const bodyHash = input.qop === 'auth-int' ? hashBody(input.algorithm, input.body) : null;
  const ha2 = h(bodyHash === null ? `${input.method}:${input.uri}` : `${input.method}:${input.uri}:${bodyHash}`);
  if (input.qop === null) return h(`${ha1}:${input.nonce}:${ha2}`);
  return h(`${ha1}:${input.nonce}:${formatNonceCount(input.nc)}:${input.cnonce}:${input.qop}:${ha2}`);
}

function hashBody(algorithm: DigestAlgorithm, body: string | Uint8Array | undefined): string {
  const name = HASH_OF[algorithm.replace(/-sess$/, '')]!;
  return createHash(name)
    .update(body ?? '')
    .digest('hex');
}

/** Quoted-string per RFC 7230: backslash-escape `"` and `\`. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export interface DigestRequest {
  method: string;
  uri: string;
  body?: string | Uint8Array;
}

/**
 * The `Authorization` header answering `challenge`. Formatting choices, each matching what the captured
 * DS-K1T673DX accepted (stream_60) or what RFC 7616 requires:
 * - `algorithm` is echoed only when the challenge named one (the capture's challenge had none, nor did the
 *   accepted reply);
 * - `opaque` is echoed whenever the server sent one, except an empty one, which the accepted reply omitted;
 * - `qop`, `nc` and `algorithm` are unquoted tokens (RFC 7616 §3.4); `auth` is preferred over `auth-int`.
 */
export function buildDigestAuthorization(
  challenge: DigestChallenge,
  credentials: DigestCredentials,
  request: DigestRequest,
  nc: number,
  cnonce: string = newCnonce(),
): string {
  const qop = challenge.qop === null ? null : challenge.qop.includes('auth') ? 'auth' : 'auth-int';
  const response = computeDigestResponse({
    ...credentials,
    algorithm: challenge.algorithm,
    realm: challenge.realm,
    nonce: challenge.nonce,
    method: request.method.toUpperCase(),
    uri: request.uri,
    qop,
    nc,
    cnonce,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const username = challenge.userhash ? hasher(challenge.algorithm)(`${credentials.username}:${challenge.realm}`) : credentials.username;
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
  ];
  if (challenge.algorithmRaw !== null) parts.push(`algorithm=${challenge.algorithm}`);
  parts.push(`response=${quote(response)}`);
  if (qop !== null) parts.push(`qop=${qop}`, `nc=${formatNonceCount(nc)}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

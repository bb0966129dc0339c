import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtVerifyOptions {
  secret: string;
  issuer?: string;
  audience?: string;
  /** Seconds of clock difference tolerated on `exp` and `nbf`. */
  leewaySeconds?: number;
  now?: Date;
}

export class JwtRejected extends Error {}

/**
 * Verifies a compact HS256 JWT and answers its claims. Only HS256 is accepted (the header cannot pick another
 * algorithm, so `alg: none` and key confusion are impossible); `exp` is required.
 */
export function verifyHs256Jwt(token: string, options: JwtVerifyOptions): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtRejected('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart);
  if (header.alg !== 'HS256') throw new JwtRejected('only HS256 tokens are accepted');
  const expected = createHmac('sha256', options.secret).update(`${headerPart}.${payloadPart}`).digest();
  const presented = Buffer.from(signaturePart, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) throw new JwtRejected('bad signature');
  const claims = decodeJson(payloadPart);
  const now = (options.now ?? new Date()).getTime() / 1000;
  const leeway = options.leewaySeconds ?? 30;
  if (typeof claims.exp !== 'number') throw new JwtRejected('token has no exp');
  if (claims.exp + leeway < now) throw new JwtRejected('token expired');
  if (typeof claims.nbf === 'number' && claims.nbf - leeway > now) throw new JwtRejected('token not yet valid');
  if (options.issuer !== undefined && claims.iss !== options.issuer) throw new JwtRejected('wrong issuer');
  if (options.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(options.audience)) throw new JwtRejected('wrong audience');
  }
  return claims;
}

/** Signs claims as an HS256 JWT (tests and tools; production tokens come from the identity provider). */
export function signHs256Jwt(claims: Record<string, unknown>, secret: string): string {
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtRejected('malformed token');
}

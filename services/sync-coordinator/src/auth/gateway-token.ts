import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'gwt_';

/** A new gateway bearer token: 32 random bytes, so a plain SHA-256 of it is a safe thing to store. */
export function newGatewayToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the directory stores and looks tokens up by; the token itself is never stored. */
export function gatewayTokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

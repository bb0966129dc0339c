import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedException } from '@nestjs/common';
import type { ApiKeyEntry } from '@attendance/config';

/** What a valid API key grants: the tenant it is scoped to, and the key's id (for audit). */
export interface ApiPrincipal {
  keyId: string;
  tenantId: string;
}

/**
 * Checks `x-api-key: <keyId>.<secret>` against configured SHA-256 hashes, in constant time. Every request is
 * scoped to the key's tenant: handlers never take a tenant from the client, so one tenant's key cannot even
 * name another tenant's data. Each service wraps this in its own Nest guard (its config, its request field).
 */
export class ApiKeyVerifier {
  private readonly keys: Map<string, { tenantId: string; hash: Buffer }>;

  constructor(entries: readonly ApiKeyEntry[]) {
    this.keys = new Map(entries.map((k) => [k.keyId, { tenantId: k.tenantId, hash: Buffer.from(k.secretSha256, 'hex') }]));
  }

  /** The principal of a presented header value; throws 401 with a message saying what is wrong. */
  verify(header: string | string[] | undefined): ApiPrincipal {
    const presented = Array.isArray(header) ? header[0] : header;
    const dot = presented?.indexOf('.') ?? -1;
    if (!presented || dot <= 0) throw new UnauthorizedException('send an API key as x-api-key: <keyId>.<secret>');
    const keyId = presented.slice(0, dot);
    const key = this.keys.get(keyId);
    const hash = createHash('sha256').update(presented.slice(dot + 1)).digest();
    if (!key || !timingSafeEqual(hash, key.hash)) throw new UnauthorizedException('unknown or wrong API key');
    return { keyId, tenantId: key.tenantId };
  }
}

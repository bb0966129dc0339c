import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';

/** What a valid API key grants: the tenant it is scoped to, and the key's id (for audit). */
export interface ApiPrincipal {
  keyId: string;
  tenantId: string;
}

export type AuthenticatedRequest = FastifyRequest & { principal?: ApiPrincipal };

/**
 * `x-api-key: <keyId>.<secret>` (the ingest pattern). Only SHA-256 hashes of secrets are configured;
 * comparison is constant-time. Every query is scoped to the key's tenant: no handler takes a tenant from
 * the client, so one tenant's key cannot even name another tenant's devices.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Map<string, { tenantId: string; hash: Buffer }>;

  constructor(@Inject(STATUS_CONFIG) config: StatusConfig) {
    this.keys = new Map(config.STATUS_API_KEYS.map((k) => [k.keyId, { tenantId: k.tenantId, hash: Buffer.from(k.secretSha256, 'hex') }]));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['x-api-key'];
    const presented = Array.isArray(header) ? header[0] : header;
    const dot = presented?.indexOf('.') ?? -1;
    if (!presented || dot <= 0) throw new UnauthorizedException('send an API key as x-api-key: <keyId>.<secret>');
    const key = this.keys.get(presented.slice(0, dot));
    const hash = createHash('sha256').update(presented.slice(dot + 1)).digest();
    if (!key || !timingSafeEqual(hash, key.hash)) throw new UnauthorizedException('unknown or wrong API key');
    request.principal = { keyId: presented.slice(0, dot), tenantId: key.tenantId };
    return true;
  }
}

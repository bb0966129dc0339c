import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';

/** What a valid admin API key grants: the tenant it is scoped to, and the key's id (for audit). */
export interface AdminPrincipal {
  keyId: string;
  tenantId: string;
}

export type AdminRequest = FastifyRequest & { admin?: AdminPrincipal };

/**
 * `x-api-key: <keyId>.<secret>` for `/api/v1/admin`. Only SHA-256 hashes of secrets are configured; comparison
 * is constant-time. Every request is scoped to the key's tenant: no handler takes a tenant from the client, so
 * a key cannot name another tenant's rows (they answer 404 like rows that do not exist).
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly keys: Map<string, { tenantId: string; hash: Buffer }>;

  constructor(@Inject(SYNC_CONFIG) config: SyncCoordinatorConfig) {
    this.keys = new Map(config.SYNC_ADMIN_API_KEYS.map((k) => [k.keyId, { tenantId: k.tenantId, hash: Buffer.from(k.secretSha256, 'hex') }]));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const header = request.headers['x-api-key'];
    const presented = Array.isArray(header) ? header[0] : header;
    const dot = presented?.indexOf('.') ?? -1;
    if (!presented || dot <= 0) throw new UnauthorizedException('send an API key as x-api-key: <keyId>.<secret>');
    const key = this.keys.get(presented.slice(0, dot));
    const hash = createHash('sha256').update(presented.slice(dot + 1)).digest();
    if (!key || !timingSafeEqual(hash, key.hash)) throw new UnauthorizedException('unknown or wrong API key');
    request.admin = { keyId: presented.slice(0, dot), tenantId: key.tenantId };
    return true;
  }
}

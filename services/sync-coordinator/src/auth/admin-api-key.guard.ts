import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type ApiPrincipal, ApiKeyVerifier } from '@attendance/http-api';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';

/** What a valid admin API key grants: the tenant it is scoped to, and the key's id (for audit). */
export type AdminPrincipal = ApiPrincipal;

export type AdminRequest = FastifyRequest & { admin?: AdminPrincipal };

/**
 * `x-api-key: <keyId>.<secret>` for `/api/v1/admin` (libs/http-api ApiKeyVerifier). Every request is scoped to
 * the key's tenant: a key cannot name another tenant's rows (they answer 404 like rows that do not exist).
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(@Inject(SYNC_CONFIG) config: SyncCoordinatorConfig) {
    this.verifier = new ApiKeyVerifier(config.SYNC_ADMIN_API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    request.admin = this.verifier.verify(request.headers['x-api-key']);
    return true;
  }
}

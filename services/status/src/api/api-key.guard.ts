import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type ApiPrincipal, ApiKeyVerifier } from '@attendance/http-api';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';

export type { ApiPrincipal };

export type AuthenticatedRequest = FastifyRequest & { principal?: ApiPrincipal };

/**
 * `x-api-key: <keyId>.<secret>` (libs/http-api ApiKeyVerifier). Every query is scoped to the key's tenant: no
 * handler takes a tenant from the client, so one tenant's key cannot even name another tenant's devices.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(@Inject(STATUS_CONFIG) config: StatusConfig) {
    this.verifier = new ApiKeyVerifier(config.STATUS_API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = this.verifier.verify(request.headers['x-api-key']);
    return true;
  }
}

import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type ApiPrincipal, ApiKeyVerifier } from '@attendance/http-api';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';

export type { ApiPrincipal };

export type AuthenticatedRequest = FastifyRequest & { principal?: ApiPrincipal };

/**
 * `x-api-key: <keyId>.<secret>` (libs/http-api ApiKeyVerifier: hashes only, constant-time). Every request is
 * scoped to the key's tenant: handlers never take a tenant from the client.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(@Inject(INGEST_CONFIG) config: IngestConfig) {
    this.verifier = new ApiKeyVerifier(config.INGEST_API_KEYS);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = this.verifier.verify(request.headers['x-api-key']);
    return true;
  }
}

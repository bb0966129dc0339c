import { type CanActivate, type ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { SyncDatabase } from '../persistence/sync-database';
import { gatewayTokenHash } from './gateway-token';

/** The gateway a valid bearer token belongs to, and its tenant. */
export interface GatewayPrincipal {
  gatewayId: string;
  tenantId: string;
}

export type GatewayRequest = FastifyRequest & { gateway?: GatewayPrincipal };

/**
 * `Authorization: Bearer <gateway token>` for the edge APIs. The token is looked up by its SHA-256 (the only
 * form the directory keeps); a revoked gateway is refused. Lookup by hash leaks nothing a timing attack could use.
 */
@Injectable()
export class GatewayTokenGuard implements CanActivate {
  constructor(private readonly db: SyncDatabase) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<GatewayRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('send the gateway token as Authorization: Bearer <token>');
    const [row] = await this.db.query<{ id: string; tenant_id: string }>(
      'SELECT id, tenant_id FROM sync.gateways WHERE token_sha256 = $1 AND revoked_at IS NULL',
      [gatewayTokenHash(match[1]!)],
    );
    if (!row) throw new UnauthorizedException('unknown or revoked gateway token');
    request.gateway = { gatewayId: row.id, tenantId: row.tenant_id };
    return true;
  }
}

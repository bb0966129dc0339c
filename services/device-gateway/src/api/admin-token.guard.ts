import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * The local API's one credential: `Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`. Both sides are hashed first
 * so the comparison is constant-time whatever the presented length. Without a configured token the API stays
 * shut (503) rather than open: the dashboard shows the operator what to set.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.expected = config.adminToken ? digest(config.adminToken.reveal()) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ServiceUnavailableException('the local API is disabled: set GATEWAY_ADMIN_TOKEN (at least 16 characters) and restart the gateway');
    }
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new UnauthorizedException('send the admin token as Authorization: Bearer <GATEWAY_ADMIN_TOKEN>');
    if (!timingSafeEqual(digest(match[1]!), this.expected)) throw new UnauthorizedException('wrong admin token');
    return true;
  }
}

import { type CanActivate, type ExecutionContext, Inject, Injectable, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { EmployeeIdSchema, SiteIdSchema, TenantIdSchema } from '@attendance/contracts';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { JwtRejected, verifyHs256Jwt } from './hs256-jwt';

/** The mobile user a token speaks for: an employee of one tenant, and the sites (facilities) they may use. */
export interface MobileUser {
  tenantId: string;
  employeeId: string;
  facilities: ReadonlySet<string>;
}

export type MobileRequest = FastifyRequest & { mobileUser?: MobileUser };

const MobileClaimsSchema = z.object({
  sub: EmployeeIdSchema,
  tid: TenantIdSchema,
  facilities: z.array(SiteIdSchema).max(1000),
});

/** `Authorization: Bearer <JWT>` (HS256, SYNC_MOBILE_JWT_SECRET) for the mobile sync API. */
@Injectable()
export class MobileJwtGuard implements CanActivate {
  constructor(@Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const secret = this.config.SYNC_MOBILE_JWT_SECRET;
    if (!secret) throw new ServiceUnavailableException('mobile sync is not configured (SYNC_MOBILE_JWT_SECRET)');
    const request = context.switchToHttp().getRequest<MobileRequest>();
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthorizedException('send a JWT as Authorization: Bearer <token>');
    let claims: Record<string, unknown>;
    try {
      claims = verifyHs256Jwt(match[1]!, {
        secret,
        ...(this.config.SYNC_MOBILE_JWT_ISSUER ? { issuer: this.config.SYNC_MOBILE_JWT_ISSUER } : {}),
        ...(this.config.SYNC_MOBILE_JWT_AUDIENCE ? { audience: this.config.SYNC_MOBILE_JWT_AUDIENCE } : {}),
      });
    } catch (error) {
      if (error instanceof JwtRejected) throw new UnauthorizedException(`invalid token: ${error.message}`);
      throw error;
    }
    const parsed = MobileClaimsSchema.safeParse(claims);
    if (!parsed.success) throw new UnauthorizedException('token lacks sub, tid or facilities claims');
    request.mobileUser = { tenantId: parsed.data.tid, employeeId: parsed.data.sub, facilities: new Set(parsed.data.facilities) };
    return true;
  }
}

import { Controller, Get, Inject, Query, Req, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { REFERENCE_PULL_INITIAL_CURSOR, ReferenceCursorSchema, ReferencePullResponseSchema, type ReferencePullResponse } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { GatewayTokenGuard, type GatewayRequest } from '../auth/gateway-token.guard';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { ReferencePullRepository } from './reference-pull.repository';

/** `GET /api/v1/sync/pull?since=&limit=` for gateways (contract: libs/contracts http/reference-pull). */
@Controller('api/v1/sync')
@UseGuards(GatewayTokenGuard)
export class ReferencePullController {
  private readonly querySchema;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    private readonly changes: ReferencePullRepository,
  ) {
    this.querySchema = pullQuerySchema(config.SYNC_PULL_MAX_LIMIT);
  }

  @Get('pull')
  async pull(@Req() request: GatewayRequest, @Query() rawQuery: unknown): Promise<ReferencePullResponse> {
    const { since, limit } = parseOrBadRequest(this.querySchema, rawQuery, 'query');
    const gateway = request.gateway!;
    // Taken before the read: everything committed before serverTime is in this page or a later one.
    const serverTime = new Date().toISOString();
    const page = await this.changes.changesAfter(gateway.tenantId, since, limit);
    await this.changes.recordPull(gateway.gatewayId);
    const last = page.changes[page.changes.length - 1];
    // Validated on the way out: the edge parses with the same schema, so a row it would refuse is our bug.
    return ReferencePullResponseSchema.parse({
      tenantId: gateway.tenantId,
      gatewayId: gateway.gatewayId,
      changes: page.changes,
      nextCursor: last?.cursor ?? since,
      hasMore: page.hasMore,
      serverTime,
    });
  }
}

export function pullQuerySchema(maxLimit: number) {
  return z.strictObject({
    since: ReferenceCursorSchema.default(REFERENCE_PULL_INITIAL_CURSOR),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(Math.min(500, maxLimit)),
  });
}

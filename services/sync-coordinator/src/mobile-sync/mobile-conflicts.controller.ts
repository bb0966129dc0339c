import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { UuidSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { MobileConflictsService, type ConflictView } from './mobile-conflicts.service';
import { ConflictListQuerySchema, ResolveConflictSchema, type StoredMobileRecord } from './mobile-sync.schemas';

/** Admin endpoints of the manual conflict queue (tenant of the API key only). */
@Controller('api/v1/admin/mobile/conflicts')
@UseGuards(AdminApiKeyGuard)
export class MobileConflictsController {
  constructor(private readonly conflicts: MobileConflictsService) {}

  @Get()
  async list(@Req() request: AdminRequest, @Query() rawQuery: unknown): Promise<{ items: ConflictView[] }> {
    const query = parseOrBadRequest(ConflictListQuerySchema, rawQuery, 'query');
    return { items: await this.conflicts.list(request.admin!.tenantId, query.status, query.limit) };
  }

  @Post(':conflictId/resolve')
  @HttpCode(200)
  resolve(@Req() request: AdminRequest, @Param('conflictId') conflictId: string, @Body() body: unknown): Promise<{ conflict: ConflictView; record: StoredMobileRecord }> {
    const { keep } = parseOrBadRequest(ResolveConflictSchema, body, 'resolution');
    return this.conflicts.resolve(request.admin!, parseOrBadRequest(UuidSchema, conflictId, 'conflictId'), keep);
  }
}

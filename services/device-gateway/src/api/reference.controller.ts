import { Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { parseOrBadRequest } from '@attendance/http-api';
import { ReferenceSync, type RefreshResult, type ReferenceSyncStatus } from '../reference/reference-sync';
import { AdminTokenGuard } from './admin-token.guard';
import { ReferenceRefreshQuerySchema } from './local-api.schema';

/** "Last synced" of the reference-data cache (names on the dashboard), and a refresh (delta or full) on demand. */
@Controller('api/v1/reference')
@UseGuards(AdminTokenGuard)
export class ReferenceController {
  constructor(@Inject(ReferenceSync) private readonly sync: ReferenceSync) {}

  @Get()
  status(): ReferenceSyncStatus {
    return this.sync.status();
  }

  @Post('refresh')
  @HttpCode(200)
  async refresh(@Query() query: unknown): Promise<{ result: RefreshResult; status: ReferenceSyncStatus }> {
    const { full } = parseOrBadRequest(ReferenceRefreshQuerySchema, query, 'query');
    const result = await this.sync.refresh({ full });
    return { result, status: this.sync.status() };
  }
}

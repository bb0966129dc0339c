import { Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { ReferenceSync, type RefreshResult, type ReferenceSyncStatus } from '../reference/reference-sync';
import { AdminTokenGuard } from './admin-token.guard';

/** "Last synced" of the reference-data cache (names on the dashboard), and a refresh on demand. */
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
  async refresh(): Promise<{ result: RefreshResult; status: ReferenceSyncStatus }> {
    const result = await this.sync.refresh();
    return { result, status: this.sync.status() };
  }
}

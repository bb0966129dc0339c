import { Module } from '@nestjs/common';
import { AdminApiKeyGuard } from '../auth/admin-api-key.guard';
import { MobileJwtGuard } from '../auth/mobile-jwt.guard';
import { MobileConflictsController } from './mobile-conflicts.controller';
import { MobileConflictsService } from './mobile-conflicts.service';
import { MobileRecordRelay } from './mobile-record-relay';
import { MobileRecordSync } from './mobile-record-sync';
import { MobileRecordsRepository } from './mobile-records.repository';
import { MobileSyncAudit } from './mobile-sync-audit';
import { MobileSyncController } from './mobile-sync.controller';
import { MobileSyncService } from './mobile-sync.service';

/** Mobile offline sync: records with conflict strategies, the manual queue, rate limit, audit, events. */
@Module({
  controllers: [MobileSyncController, MobileConflictsController],
  providers: [MobileJwtGuard, AdminApiKeyGuard, MobileSyncService, MobileSyncAudit, MobileRecordSync, MobileRecordsRepository, MobileRecordRelay, MobileConflictsService],
})
export class MobileSyncModule {}

import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { DeviceApprovalService } from './device-approval.service';

/**
 * At start-up, approved devices with requests still pending (moved from pending into the config file, or a
 * replay cut short by a crash) get what they sent while pending replayed and forwarded.
 */
@Injectable()
export class ApprovalReplayOnStart implements OnApplicationBootstrap {
  constructor(
    @Inject(DeviceApprovalService) private readonly approvals: DeviceApprovalService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    for (const result of this.approvals.replayApprovedDevices()) {
      this.logger.info({ ...result }, 'approved device had requests kept while pending; replayed and forwarded');
    }
  }
}

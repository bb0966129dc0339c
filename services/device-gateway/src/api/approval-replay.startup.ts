import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { DeviceApprovalService } from './device-approval.service';

/** At start-up, devices that moved from pending into the config file get what they sent while pending forwarded. */
@Injectable()
export class ApprovalReplayOnStart implements OnApplicationBootstrap {
  constructor(
    @Inject(DeviceApprovalService) private readonly approvals: DeviceApprovalService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    for (const result of this.approvals.replayConfiguredDevices()) {
      this.logger.info({ ...result }, 'configured device had requests kept while pending; parsed and forwarded');
    }
  }
}

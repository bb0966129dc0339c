import { Controller, Get, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { DeviceListService } from './device-list.service';

/** What waits to be sent to the cloud: unsent punches, the oldest one's age, per device. */
@Controller('api/v1/backlog')
@UseGuards(AdminTokenGuard)
export class BacklogController {
  constructor(private readonly devices: DeviceListService) {}

  @Get()
  summary(): ReturnType<DeviceListService['backlog']> {
    return this.devices.backlog();
  }
}

import { Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { DeviceApprovalService, type ApprovalResult } from './device-approval.service';
import { DeviceListService, type DeviceView } from './device-list.service';
import { DeviceListQuerySchema, DeviceSerialParamSchema } from './local-api.schema';
import { parseOrBadRequest } from '@attendance/http-api';

/** Devices and their state, pending devices and their approval (local API, DESIGN.md 7). */
@Controller('api/v1/devices')
@UseGuards(AdminTokenGuard)
export class DevicesController {
  constructor(
    private readonly devices: DeviceListService,
    private readonly approvals: DeviceApprovalService,
  ) {}

  @Get()
  list(@Query() query: unknown): { items: DeviceView[] } {
    const { status } = parseOrBadRequest(DeviceListQuerySchema, query, 'query');
    return { items: this.devices.list().filter((d) => !status || d.status === status) };
  }

  @Get('pending')
  pending(): { items: DeviceView[] } {
    return { items: this.devices.list().filter((d) => d.status === 'pending') };
  }

  @Get(':serial')
  get(@Param('serial') rawSerial: string): DeviceView {
    const serial = parseOrBadRequest(DeviceSerialParamSchema, rawSerial, 'device serial');
    const device = this.devices.get(serial);
    if (!device) throw new NotFoundException(`no device ${serial} is configured or has contacted this gateway`);
    return device;
  }

  @Post(':serial/approve')
  @HttpCode(200)
  approve(@Param('serial') rawSerial: string): { approval: ApprovalResult; device: DeviceView } {
    const serial = parseOrBadRequest(DeviceSerialParamSchema, rawSerial, 'device serial');
    const approval = this.approvals.approve(serial);
    return { approval, device: this.devices.get(serial)! };
  }
}

import { BadRequestException, Controller, Get, Inject, NotFoundException, Param, Query, Req, UseGuards } from '@nestjs/common';
import { DeviceSerialSchema } from '@attendance/contracts';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard';
import { decodeDeviceCursor, deviceQuerySchema, encodeDeviceCursor } from './device-query.schema';
import { FleetQueries } from './fleet-queries';
import { parseOrBadRequest } from '@attendance/http-api';

/** Devices of the caller's tenant: filtered cursor pages and one device's detail. */
@Controller('api/v1/devices')
@UseGuards(ApiKeyGuard)
export class DevicesController {
  private readonly querySchema;

  constructor(
    @Inject(STATUS_CONFIG) config: StatusConfig,
    private readonly fleet: FleetQueries,
  ) {
    this.querySchema = deviceQuerySchema(config.STATUS_PAGE_MAX);
  }

  @Get()
  async list(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown) {
    const query = parseOrBadRequest(this.querySchema, rawQuery, 'query');
    const after = query.cursor ? decodeDeviceCursor(query.cursor) : null;
    if (query.cursor && after === null) throw new BadRequestException('cursor is not one this API returned');
    const page = await this.fleet.devicePage(request.principal!.tenantId, { site: query.site, state: query.state }, query.limit, after);
    return { items: page.items, nextCursor: page.nextCursorSerial === null ? null : encodeDeviceCursor(page.nextCursorSerial) };
  }

  @Get(':serial')
  async detail(@Req() request: AuthenticatedRequest, @Param('serial') rawSerial: string) {
    const serial = parseOrBadRequest(DeviceSerialSchema, rawSerial, 'device serial');
    const device = await this.fleet.device(request.principal!.tenantId, serial);
    if (!device) throw new NotFoundException(`no device ${serial}`);
    return device;
  }
}

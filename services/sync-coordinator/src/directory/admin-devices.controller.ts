import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DeviceSerialSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { DevicesRepository, type DeviceView } from './devices.repository';
import { DevicePutSchema, ListQuerySchema } from './directory.schemas';

@Controller('api/v1/admin/devices')
@UseGuards(AdminApiKeyGuard)
export class AdminDevicesController {
  constructor(private readonly devices: DevicesRepository) {}

  @Get()
  async list(@Req() request: AdminRequest, @Query() query: unknown): Promise<{ items: DeviceView[] }> {
    return { items: await this.devices.list(request.admin!.tenantId, parseOrBadRequest(ListQuerySchema, query, 'query')) };
  }

  @Get(':serial')
  get(@Req() request: AdminRequest, @Param('serial') serial: string): Promise<DeviceView> {
    return this.devices.get(request.admin!.tenantId, parseOrBadRequest(DeviceSerialSchema, serial, 'serial'));
  }

  /** Creates (201) or replaces (200) the device. */
  @Put(':serial')
  async put(@Req() request: AdminRequest, @Param('serial') serial: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeviceView> {
    const id = parseOrBadRequest(DeviceSerialSchema, serial, 'serial');
    const { device, created } = await this.devices.put(request.admin!.tenantId, id, parseOrBadRequest(DevicePutSchema, body, 'device'));
    reply.status(created ? 201 : 200);
    return device;
  }

  @Delete(':serial')
  @HttpCode(204)
  async delete(@Req() request: AdminRequest, @Param('serial') serial: string): Promise<void> {
    await this.devices.delete(request.admin!.tenantId, parseOrBadRequest(DeviceSerialSchema, serial, 'serial'));
  }
}

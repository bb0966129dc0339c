import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { GatewayIdSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { GatewayCreateSchema, ListQuerySchema } from './directory.schemas';
import { GatewaysRepository, type GatewayView } from './gateways.repository';

/** Gateway credentials. The token is in the answer of create and rotate only; store it on the gateway. */
@Controller('api/v1/admin/gateways')
@UseGuards(AdminApiKeyGuard)
export class AdminGatewaysController {
  constructor(private readonly gateways: GatewaysRepository) {}

  @Get()
  async list(@Req() request: AdminRequest, @Query() query: unknown): Promise<{ items: GatewayView[] }> {
    return { items: await this.gateways.list(request.admin!.tenantId, parseOrBadRequest(ListQuerySchema, query, 'query')) };
  }

  @Get(':gatewayId')
  get(@Req() request: AdminRequest, @Param('gatewayId') gatewayId: string): Promise<GatewayView> {
    return this.gateways.get(request.admin!.tenantId, parseOrBadRequest(GatewayIdSchema, gatewayId, 'gatewayId'));
  }

  @Post()
  create(@Req() request: AdminRequest, @Body() body: unknown): Promise<{ gateway: GatewayView; token: string }> {
    return this.gateways.create(request.admin!.tenantId, parseOrBadRequest(GatewayCreateSchema, body, 'gateway'));
  }

  @Post(':gatewayId/rotate-token')
  @HttpCode(200)
  rotate(@Req() request: AdminRequest, @Param('gatewayId') gatewayId: string): Promise<{ gateway: GatewayView; token: string }> {
    return this.gateways.rotateToken(request.admin!.tenantId, parseOrBadRequest(GatewayIdSchema, gatewayId, 'gatewayId'));
  }

  /** Revokes the gateway's token (the gateway stays listed, with revokedAt). */
  @Delete(':gatewayId')
  @HttpCode(204)
  async revoke(@Req() request: AdminRequest, @Param('gatewayId') gatewayId: string): Promise<void> {
    await this.gateways.revoke(request.admin!.tenantId, parseOrBadRequest(GatewayIdSchema, gatewayId, 'gatewayId'));
  }
}

import { Controller, Get, NotFoundException, Param, Req, UseGuards } from '@nestjs/common';
import { SiteIdSchema } from '@attendance/contracts';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard';
import { FleetQueries } from './fleet-queries';
import { parseOrBadRequest } from '@attendance/http-api';

/** Fleet summaries of the caller's tenant: devices by state, per site, and gateways by state. */
@Controller('api/v1')
@UseGuards(ApiKeyGuard)
export class FleetController {
  constructor(private readonly fleet: FleetQueries) {}

  @Get('fleet/summary')
  async summary(@Req() request: AuthenticatedRequest) {
    const tenantId = request.principal!.tenantId;
    const [devices, gateways] = await Promise.all([this.fleet.summary(tenantId), this.fleet.gatewayList(tenantId)]);
    const gatewaysByState: Record<string, number> = {};
    for (const g of gateways) gatewaysByState[g.state] = (gatewaysByState[g.state] ?? 0) + 1;
    return { tenantId, generatedAt: new Date().toISOString(), devices, gateways: { total: gateways.length, byState: gatewaysByState } };
  }

  @Get('sites/:siteId/summary')
  async site(@Req() request: AuthenticatedRequest, @Param('siteId') rawSite: string) {
    const siteId = parseOrBadRequest(SiteIdSchema, rawSite, 'site id');
    const summary = await this.fleet.summary(request.principal!.tenantId);
    const site = summary.sites.find((s) => s.siteId === siteId);
    if (!site) throw new NotFoundException(`no devices known at site ${siteId}`);
    return { tenantId: request.principal!.tenantId, generatedAt: new Date().toISOString(), ...site };
  }

  @Get('gateways')
  async gateways(@Req() request: AuthenticatedRequest) {
    return { items: await this.fleet.gatewayList(request.principal!.tenantId) };
  }
}

import { Controller, Get, NotFoundException, Param, Req, UseGuards } from '@nestjs/common';
import { SiteIdSchema, type CompletenessV1 } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { CompletenessService } from './completeness.service';

/** Completeness watermarks of the key's tenant, in the shape of `attendance.completeness.v1`. */
@Controller('api/v1/admin')
@UseGuards(AdminApiKeyGuard)
export class CompletenessController {
  constructor(private readonly completeness: CompletenessService) {}

  @Get('completeness')
  async all(@Req() request: AdminRequest): Promise<{ items: CompletenessV1[] }> {
    return { items: await this.completeness.sites(request.admin!.tenantId) };
  }

  @Get('sites/:siteId/completeness')
  async site(@Req() request: AdminRequest, @Param('siteId') rawSiteId: string): Promise<CompletenessV1> {
    const siteId = parseOrBadRequest(SiteIdSchema, rawSiteId, 'site id');
    const view = await this.completeness.site(request.admin!.tenantId, siteId);
    if (!view) throw new NotFoundException(`no device of site ${siteId} is tracked yet`);
    return view;
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SiteIdSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { ListQuerySchema, SitePutSchema } from './directory.schemas';
import { SitesRepository, type SiteView } from './sites.repository';

@Controller('api/v1/admin/sites')
@UseGuards(AdminApiKeyGuard)
export class AdminSitesController {
  constructor(private readonly sites: SitesRepository) {}

  @Get()
  async list(@Req() request: AdminRequest, @Query() query: unknown): Promise<{ items: SiteView[] }> {
    return { items: await this.sites.list(request.admin!.tenantId, parseOrBadRequest(ListQuerySchema, query, 'query')) };
  }

  @Get(':siteId')
  get(@Req() request: AdminRequest, @Param('siteId') siteId: string): Promise<SiteView> {
    return this.sites.get(request.admin!.tenantId, parseOrBadRequest(SiteIdSchema, siteId, 'siteId'));
  }

  /** Creates (201) or replaces (200) the site. */
  @Put(':siteId')
  async put(@Req() request: AdminRequest, @Param('siteId') siteId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<SiteView> {
    const id = parseOrBadRequest(SiteIdSchema, siteId, 'siteId');
    const { site, created } = await this.sites.put(request.admin!.tenantId, id, parseOrBadRequest(SitePutSchema, body, 'site'));
    reply.status(created ? 201 : 200);
    return site;
  }

  @Delete(':siteId')
  @HttpCode(204)
  async delete(@Req() request: AdminRequest, @Param('siteId') siteId: string): Promise<void> {
    await this.sites.delete(request.admin!.tenantId, parseOrBadRequest(SiteIdSchema, siteId, 'siteId'));
  }
}

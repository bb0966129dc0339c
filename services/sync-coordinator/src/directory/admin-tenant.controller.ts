import { Body, Controller, Get, Put, Req, UseGuards } from '@nestjs/common';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { TenantUpdateSchema } from './directory.schemas';
import { TenantsRepository, type TenantView } from './tenants.repository';

/** The key's own tenant (there is no way to name another). */
@Controller('api/v1/admin/tenant')
@UseGuards(AdminApiKeyGuard)
export class AdminTenantController {
  constructor(private readonly tenants: TenantsRepository) {}

  @Get()
  get(@Req() request: AdminRequest): Promise<TenantView> {
    return this.tenants.get(request.admin!.tenantId);
  }

  @Put()
  rename(@Req() request: AdminRequest, @Body() body: unknown): Promise<TenantView> {
    return this.tenants.rename(request.admin!.tenantId, parseOrBadRequest(TenantUpdateSchema, body, 'tenant').name);
  }
}

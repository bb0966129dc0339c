import { Module } from '@nestjs/common';
import { AdminApiKeyGuard } from '../auth/admin-api-key.guard';
import { AdminDevicesController } from './admin-devices.controller';
import { AdminEmployeesController } from './admin-employees.controller';
import { AdminGatewaysController } from './admin-gateways.controller';
import { AdminSitesController } from './admin-sites.controller';
import { AdminTenantController } from './admin-tenant.controller';
import { DevicesRepository } from './devices.repository';
import { EmployeeImport } from './employee-import';
import { EmployeesRepository } from './employees.repository';
import { GatewaysRepository } from './gateways.repository';
import { SitesRepository } from './sites.repository';
import { TenantsRepository } from './tenants.repository';

/** The directory (tenants' sites, gateways, devices, employees) and its admin API under /api/v1/admin. */
@Module({
  controllers: [AdminTenantController, AdminSitesController, AdminDevicesController, AdminGatewaysController, AdminEmployeesController],
  providers: [AdminApiKeyGuard, TenantsRepository, SitesRepository, DevicesRepository, GatewaysRepository, EmployeesRepository, EmployeeImport],
  exports: [SitesRepository, AdminApiKeyGuard],
})
export class DirectoryModule {}

import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { SyncDatabase } from '../persistence/sync-database';
import { LeasesRepository } from './leases.repository';

export interface LeaseView {
  deviceSerial: string;
  siteId: string;
  holderGatewayId: string;
  leaseId: string;
  fencingToken: number;
  grantedAt: string;
  renewedAt: string;
  expiresAt: string;
  /** false: expired and not yet taken over (no other gateway reaches the device, or none has reported yet). */
  active: boolean;
  previousGatewayId: string | null;
}

/** Pull leases of the key's tenant: which gateway pulls which device, until when, with which token. */
@Controller('api/v1/admin/leases')
@UseGuards(AdminApiKeyGuard)
export class LeasesController {
  constructor(private readonly db: SyncDatabase) {}

  @Get()
  async list(@Req() request: AdminRequest): Promise<{ items: LeaseView[] }> {
    const rows = await new LeasesRepository(this.db).list(request.admin!.tenantId);
    return {
      items: rows.map((r) => ({
        deviceSerial: r.device_serial,
        siteId: r.site_id,
        holderGatewayId: r.holder_gateway_id,
        leaseId: r.lease_id,
        fencingToken: Number(r.fencing_token),
        grantedAt: new Date(r.granted_at).toISOString(),
        renewedAt: new Date(r.renewed_at).toISOString(),
        expiresAt: new Date(r.expires_at).toISOString(),
        active: r.active,
        previousGatewayId: r.previous_gateway_id,
      })),
    };
  }
}

import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import type { PunchProtocol } from '@attendance/contracts';
import { SyncDatabase } from '../persistence/sync-database';
import type { SqlExecutor } from '../persistence/sql-executor';
import { lockChangeCounter, nextChangeSeq } from './change-cursor';
import type { DevicePut, ListQuery } from './directory.schemas';

export interface DeviceView {
  deviceSerial: string;
  name: string | null;
  protocol: PunchProtocol;
  siteId: string;
  timeZoneOverride: string | null;
  expectedGatewayId: string | null;
  createdAt: string;
  updatedAt: string;
}

interface DeviceRow {
  serial: string;
  name: string | null;
  protocol: PunchProtocol;
  site_id: string;
  time_zone_override: string | null;
  expected_gateway_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: DeviceRow): DeviceView => ({
  deviceSerial: r.serial,
  name: r.name,
  protocol: r.protocol,
  siteId: r.site_id,
  timeZoneOverride: r.time_zone_override,
  expectedGatewayId: r.expected_gateway_id,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Devices of a tenant, keyed by serial (the serial is part of the punch identity, DESIGN.md 3.2). */
@Injectable()
export class DevicesRepository {
  constructor(private readonly db: SyncDatabase) {}

  async list(tenantId: string, query: ListQuery): Promise<DeviceView[]> {
    const rows = await this.db.query<DeviceRow>(
      `SELECT * FROM sync.devices WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR serial > $2)
       ORDER BY serial LIMIT $3`,
      [tenantId, query.after ?? null, query.limit],
    );
    return rows.map(toView);
  }

  async get(tenantId: string, serial: string): Promise<DeviceView> {
    const [row] = await this.db.query<DeviceRow>('SELECT * FROM sync.devices WHERE tenant_id = $1 AND serial = $2 AND deleted_at IS NULL', [tenantId, serial]);
    if (!row) throw new NotFoundException(`no device ${serial}`);
    return toView(row);
  }

  async put(tenantId: string, serial: string, device: DevicePut): Promise<{ device: DeviceView; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      await this.checkReferences(tx, tenantId, device);
      const [row] = await tx.query<DeviceRow & { created: boolean }>(
        `INSERT INTO sync.devices (tenant_id, serial, name, protocol, site_id, time_zone_override, expected_gateway_id, change_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, serial) DO UPDATE SET name = excluded.name, protocol = excluded.protocol,
           site_id = excluded.site_id, time_zone_override = excluded.time_zone_override,
           expected_gateway_id = excluded.expected_gateway_id, change_seq = excluded.change_seq, updated_at = now(),
           created_at = CASE WHEN sync.devices.deleted_at IS NULL THEN sync.devices.created_at ELSE now() END,
           deleted_at = NULL
         RETURNING *, (created_at = updated_at) AS created`,
        [tenantId, serial, device.name, device.protocol, device.siteId, device.timeZoneOverride, device.expectedGatewayId, await nextChangeSeq(tx, tenantId)],
      );
      return { device: toView(row!), created: row!.created };
    });
  }

  async delete(tenantId: string, serial: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      const deleted = await tx.query(
        `UPDATE sync.devices SET deleted_at = now(), updated_at = now(), change_seq = $3
         WHERE tenant_id = $1 AND serial = $2 AND deleted_at IS NULL RETURNING serial`,
        [tenantId, serial, await nextChangeSeq(tx, tenantId)],
      );
      if (deleted.length === 0) throw new NotFoundException(`no device ${serial}`);
    });
  }

  /** A device names a live site and, if any, a live gateway of its own tenant (never another tenant's). */
  private async checkReferences(tx: SqlExecutor, tenantId: string, device: DevicePut): Promise<void> {
    const site = await tx.query('SELECT 1 FROM sync.sites WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, device.siteId]);
    if (site.length === 0) throw new UnprocessableEntityException(`siteId: no site ${device.siteId}`);
    if (device.expectedGatewayId === null) return;
    const gateway = await tx.query('SELECT 1 FROM sync.gateways WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL', [tenantId, device.expectedGatewayId]);
    if (gateway.length === 0) throw new UnprocessableEntityException(`expectedGatewayId: no gateway ${device.expectedGatewayId}`);
  }
}

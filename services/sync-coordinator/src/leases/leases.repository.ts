import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../persistence/sql-executor';

export interface LeaseRow {
  tenant_id: string;
  device_serial: string;
  site_id: string;
  holder_gateway_id: string;
  lease_id: string;
  fencing_token: string;
  granted_at: Date;
  renewed_at: Date;
  expires_at: Date;
  previous_gateway_id: string | null;
  previous_lease_id: string | null;
  previous_fencing_token: string | null;
}

/**
 * Pull leases, one row per device. The row is the mutual exclusion: a grant is one conditional upsert that
 * succeeds only when the row is absent, or its lease has expired (by the database clock). Concurrent grants
 * for a device serialise on the row lock and Postgres re-checks the condition against the winner's row, so
 * exactly one of them gets the lease and the fencing token grows by one per grant.
 */
export class LeasesRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** Grants the device to `gatewayId` unless someone holds a live lease; the granted row, or null. */
  async tryGrant(tenantId: string, deviceSerial: string, siteId: string, gatewayId: string, ttlSeconds: number): Promise<LeaseRow | null> {
    const rows = await this.sql.query<LeaseRow>(
      `INSERT INTO sync.device_leases AS l
         (tenant_id, device_serial, site_id, holder_gateway_id, lease_id, fencing_token, granted_at, renewed_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, 1, now(), now(), now() + make_interval(secs => $6))
       ON CONFLICT (tenant_id, device_serial) DO UPDATE SET
         site_id = EXCLUDED.site_id, holder_gateway_id = EXCLUDED.holder_gateway_id, lease_id = EXCLUDED.lease_id,
         fencing_token = l.fencing_token + 1, granted_at = now(), renewed_at = now(), expires_at = EXCLUDED.expires_at,
         previous_gateway_id = l.holder_gateway_id, previous_lease_id = l.lease_id, previous_fencing_token = l.fencing_token
       WHERE l.expires_at <= now()
       RETURNING *`,
      [tenantId, deviceSerial, siteId, gatewayId, randomUUID(), ttlSeconds],
    );
    return rows[0] ?? null;
  }

  /** Extends the holder's live lease (same id and token); null when it is no longer the holder or it expired. */
  async renew(tenantId: string, deviceSerial: string, gatewayId: string, leaseId: string, ttlSeconds: number): Promise<LeaseRow | null> {
    const rows = await this.sql.query<LeaseRow>(
      `UPDATE sync.device_leases SET renewed_at = now(), expires_at = now() + make_interval(secs => $5)
       WHERE tenant_id = $1 AND device_serial = $2 AND holder_gateway_id = $3 AND lease_id = $4 AND expires_at > now()
       RETURNING *`,
      [tenantId, deviceSerial, gatewayId, leaseId, ttlSeconds],
    );
    return rows[0] ?? null;
  }

  async findMany(tenantId: string, deviceSerials: readonly string[]): Promise<Map<string, LeaseRow>> {
    if (deviceSerials.length === 0) return new Map();
    const rows = await this.sql.query<LeaseRow>('SELECT * FROM sync.device_leases WHERE tenant_id = $1 AND device_serial = ANY($2::text[])', [
      tenantId,
      deviceSerials,
    ]);
    return new Map(rows.map((r) => [r.device_serial, r]));
  }

  async list(tenantId: string): Promise<(LeaseRow & { active: boolean })[]> {
    return this.sql.query<LeaseRow & { active: boolean }>(
      'SELECT *, expires_at > now() AS active FROM sync.device_leases WHERE tenant_id = $1 ORDER BY site_id, device_serial',
      [tenantId],
    );
  }
}

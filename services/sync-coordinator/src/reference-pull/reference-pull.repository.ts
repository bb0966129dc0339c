import { Injectable } from '@nestjs/common';
import type { ReferenceChange } from '@attendance/contracts';
import { SyncDatabase } from '../persistence/sync-database';

interface ChangeRow {
  entity: 'site' | 'device' | 'employee';
  id: string;
  change_seq: string;
  deleted: boolean;
  changed_at: Date;
  data: Record<string, unknown>;
}

// Each branch reads one table in cursor order through its (tenant_id, change_seq) index and stops after
// `limit` rows, so a page costs three short index range scans whatever the table sizes.
const PAGE_SQL = `
  SELECT * FROM (
    (SELECT 'site' AS entity, id, change_seq, deleted_at IS NOT NULL AS deleted, updated_at AS changed_at,
            jsonb_build_object('siteId', id, 'name', name, 'timeZone', time_zone) AS data
       FROM sync.sites WHERE tenant_id = $1 AND change_seq > $2 ORDER BY change_seq LIMIT $3)
    UNION ALL
    (SELECT 'device', serial, change_seq, deleted_at IS NOT NULL, updated_at,
            jsonb_build_object('deviceSerial', serial, 'name', name, 'protocol', protocol, 'siteId', site_id,
                               'timeZoneOverride', time_zone_override, 'expectedGatewayId', expected_gateway_id)
       FROM sync.devices WHERE tenant_id = $1 AND change_seq > $2 ORDER BY change_seq LIMIT $3)
    UNION ALL
    (SELECT 'employee', id, change_seq, deleted_at IS NOT NULL, updated_at,
            jsonb_build_object('employeeId', id, 'code', code, 'name', name, 'status', status)
       FROM sync.employees WHERE tenant_id = $1 AND change_seq > $2 ORDER BY change_seq LIMIT $3)
  ) changes
  ORDER BY change_seq LIMIT $3`;

/**
 * Reads a tenant's reference-data changes after a cursor. One statement, hence one snapshot: with cursors drawn
 * under the tenant's counter lock (ChangeCursor), every change at or below the highest one it returns is
 * already visible to it, so moving the cursor to the last row returned never steps over a change.
 */
@Injectable()
export class ReferencePullRepository {
  constructor(private readonly db: SyncDatabase) {}

  async changesAfter(tenantId: string, since: string, limit: number): Promise<{ changes: ReferenceChange[]; hasMore: boolean }> {
    const rows = await this.db.query<ChangeRow>(PAGE_SQL, [tenantId, since, limit + 1]);
    const hasMore = rows.length > limit;
    return { changes: rows.slice(0, limit).map(toChange), hasMore };
  }

  async recordPull(gatewayId: string): Promise<void> {
    await this.db.query('UPDATE sync.gateways SET last_pull_at = now() WHERE id = $1', [gatewayId]);
  }
}

function toChange(row: ChangeRow): ReferenceChange {
  const base = { cursor: row.change_seq, changedAt: row.changed_at.toISOString(), id: row.id };
  if (row.deleted) return { ...base, entity: row.entity, op: 'delete' } as ReferenceChange;
  return { ...base, entity: row.entity, op: 'upsert', [row.entity]: row.data } as ReferenceChange;
}

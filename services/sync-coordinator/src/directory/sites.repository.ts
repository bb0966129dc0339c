import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { SyncDatabase } from '../persistence/sync-database';
import { lockChangeCounter, nextChangeSeq } from './change-cursor';
import type { ListQuery, SitePut } from './directory.schemas';

export interface SiteView {
  siteId: string;
  name: string;
  timeZone: string;
  createdAt: string;
  updatedAt: string;
}

interface SiteRow {
  id: string;
  name: string;
  time_zone: string;
  created_at: Date;
  updated_at: Date;
}

const toView = (r: SiteRow): SiteView => ({
  siteId: r.id,
  name: r.name,
  timeZone: r.time_zone,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Sites of a tenant (schema `sync`); every write takes a change cursor so gateways pull it. */
@Injectable()
export class SitesRepository {
  constructor(private readonly db: SyncDatabase) {}

  async list(tenantId: string, query: ListQuery): Promise<SiteView[]> {
    const rows = await this.db.query<SiteRow>(
      `SELECT * FROM sync.sites WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [tenantId, query.after ?? null, query.limit],
    );
    return rows.map(toView);
  }

  async get(tenantId: string, siteId: string): Promise<SiteView> {
    const [row] = await this.db.query<SiteRow>('SELECT * FROM sync.sites WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, siteId]);
    if (!row) throw new NotFoundException(`no site ${siteId}`);
    return toView(row);
  }

  /** Creates or replaces the site (a deleted site with the same id comes back to life). */
  async put(tenantId: string, siteId: string, site: SitePut): Promise<{ site: SiteView; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      const [row] = await tx.query<SiteRow & { created: boolean }>(
        `INSERT INTO sync.sites (tenant_id, id, name, time_zone, change_seq) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone,
           change_seq = excluded.change_seq, deleted_at = NULL, updated_at = now(),
           created_at = CASE WHEN sync.sites.deleted_at IS NULL THEN sync.sites.created_at ELSE now() END
         RETURNING *, (xmax = 0 OR created_at = updated_at) AS created`,
        [tenantId, siteId, site.name, site.timeZone, await nextChangeSeq(tx, tenantId)],
      );
      return { site: toView(row!), created: row!.created };
    });
  }

  /** Tombstones the site; refused while live devices are placed at it. */
  async delete(tenantId: string, siteId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      const [devices] = await tx.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sync.devices WHERE tenant_id = $1 AND site_id = $2 AND deleted_at IS NULL',
        [tenantId, siteId],
      );
      if (devices!.n > 0) throw new ConflictException(`site ${siteId} still has ${devices!.n} device(s); move or delete them first`);
      const deleted = await tx.query(
        `UPDATE sync.sites SET deleted_at = now(), updated_at = now(), change_seq = $3
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
        [tenantId, siteId, await nextChangeSeq(tx, tenantId)],
      );
      // NOTE: throwing rolls back the cursor drawn above, so a 404 leaves no gap.
      if (deleted.length === 0) throw new NotFoundException(`no site ${siteId}`);
    });
  }

  /** Whether the tenant has a live site of that id (for devices, gateways and mobile facilities). */
  async exists(tenantId: string, siteId: string): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM sync.sites WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, siteId]);
    return rows.length > 0;
  }
}

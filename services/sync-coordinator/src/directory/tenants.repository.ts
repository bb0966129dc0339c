import { Injectable } from '@nestjs/common';
import { SyncDatabase } from '../persistence/sync-database';
import { lockChangeCounter } from './change-cursor';

export interface TenantView {
  tenantId: string;
  name: string;
  /** The tenant's latest reference-data cursor: a gateway whose nextCursor equals it is up to date. */
  latestCursor: string;
}

/**
 * The tenant of an admin key. Tenants are not created over the API (a key is configured for one); the row
 * exists from the tenant's first write and its display name defaults to its id.
 */
@Injectable()
export class TenantsRepository {
  constructor(private readonly db: SyncDatabase) {}

  async get(tenantId: string): Promise<TenantView> {
    const [row] = await this.db.query<{ name: string; last_seq: string }>(
      `SELECT t.name, c.last_seq::text FROM sync.tenants t JOIN sync.tenant_change_counters c ON c.tenant_id = t.id WHERE t.id = $1`,
      [tenantId],
    );
    return { tenantId, name: row?.name ?? tenantId, latestCursor: row?.last_seq ?? '0' };
  }

  async rename(tenantId: string, name: string): Promise<TenantView> {
    await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      await tx.query('UPDATE sync.tenants SET name = $2, updated_at = now() WHERE id = $1', [tenantId, name]);
    });
    return this.get(tenantId);
  }
}

import { ConflictException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { postgresErrorOf, UNIQUE_VIOLATION } from '../api/postgres-constraint';
import { gatewayTokenHash, newGatewayToken } from '../auth/gateway-token';
import { SyncDatabase } from '../persistence/sync-database';
import { lockChangeCounter } from './change-cursor';
import type { GatewayCreate, ListQuery } from './directory.schemas';

export interface GatewayView {
  gatewayId: string;
  name: string;
  siteId: string | null;
  revokedAt: string | null;
  lastPullAt: string | null;
  createdAt: string;
}

interface GatewayRow {
  id: string;
  name: string;
  site_id: string | null;
  revoked_at: Date | null;
  last_pull_at: Date | null;
  created_at: Date;
}

const toView = (r: GatewayRow): GatewayView => ({
  gatewayId: r.id,
  name: r.name,
  siteId: r.site_id,
  revokedAt: r.revoked_at?.toISOString() ?? null,
  lastPullAt: r.last_pull_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/** Gateways (edge credentials). Only the token's SHA-256 is stored; the token is answered once, at issue. */
@Injectable()
export class GatewaysRepository {
  constructor(private readonly db: SyncDatabase) {}

  async list(tenantId: string, query: ListQuery): Promise<GatewayView[]> {
    const rows = await this.db.query<GatewayRow>(
      'SELECT * FROM sync.gateways WHERE tenant_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3',
      [tenantId, query.after ?? null, query.limit],
    );
    return rows.map(toView);
  }

  async get(tenantId: string, gatewayId: string): Promise<GatewayView> {
    const [row] = await this.db.query<GatewayRow>('SELECT * FROM sync.gateways WHERE tenant_id = $1 AND id = $2', [tenantId, gatewayId]);
    if (!row) throw new NotFoundException(`no gateway ${gatewayId}`);
    return toView(row);
  }

  async create(tenantId: string, gateway: GatewayCreate): Promise<{ gateway: GatewayView; token: string }> {
    const token = newGatewayToken();
    try {
      return await this.db.transaction(async (tx) => {
        await lockChangeCounter(tx, tenantId);
        if (gateway.siteId !== null) {
          const site = await tx.query('SELECT 1 FROM sync.sites WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, gateway.siteId]);
          if (site.length === 0) throw new UnprocessableEntityException(`siteId: no site ${gateway.siteId}`);
        }
        const [row] = await tx.query<GatewayRow>(
          'INSERT INTO sync.gateways (id, tenant_id, site_id, name, token_sha256) VALUES ($1, $2, $3, $4, $5) RETURNING *',
          [gateway.gatewayId, tenantId, gateway.siteId, gateway.name, gatewayTokenHash(token)],
        );
        return { gateway: toView(row!), token };
      });
    } catch (error) {
      // Gateway ids are global (gateway topics are keyed by them alone), so an id may be taken by any tenant.
      if (postgresErrorOf(error)?.code === UNIQUE_VIOLATION) throw new ConflictException(`gateway id ${gateway.gatewayId} is taken`);
      throw error;
    }
  }

  /** Issues a new token; the old one stops working at once. */
  async rotateToken(tenantId: string, gatewayId: string): Promise<{ gateway: GatewayView; token: string }> {
    const token = newGatewayToken();
    const [row] = await this.db.query<GatewayRow>(
      `UPDATE sync.gateways SET token_sha256 = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING *`,
      [tenantId, gatewayId, gatewayTokenHash(token)],
    );
    if (!row) throw new NotFoundException(`no active gateway ${gatewayId}`);
    return { gateway: toView(row), token };
  }

  async revoke(tenantId: string, gatewayId: string): Promise<void> {
    const rows = await this.db.query(
      'UPDATE sync.gateways SET revoked_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id',
      [tenantId, gatewayId],
    );
    if (rows.length === 0) throw new NotFoundException(`no active gateway ${gatewayId}`);
  }
}

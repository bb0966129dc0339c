import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { AdminPrincipal } from '../auth/admin-api-key.guard';
import { SyncDatabase } from '../persistence/sync-database';
import { MobileRecordRelay, RELAY_WAIT_MS } from './mobile-record-relay';
import { mobileRecordEvent } from './mobile-record-sync';
import { MobileRecordsRepository, type RecordState } from './mobile-records.repository';
import type { ConflictReason, StoredMobileRecord } from './mobile-sync.schemas';

export interface ConflictView {
  conflictId: string;
  recordId: string;
  employeeId: string;
  reasons: ConflictReason[];
  serverVersion: number;
  client: RecordState;
  status: 'pending' | 'resolved';
  kept: 'server' | 'client' | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}

interface ConflictRow {
  id: string;
  record_id: string;
  employee_id: string;
  reasons: ConflictReason[];
  server_version: number;
  client_record: RecordState;
  status: 'pending' | 'resolved';
  kept: 'server' | 'client' | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
}

const toView = (r: ConflictRow): ConflictView => ({
  conflictId: r.id,
  recordId: r.record_id,
  employeeId: r.employee_id,
  reasons: r.reasons,
  serverVersion: r.server_version,
  client: r.client_record,
  status: r.status,
  kept: r.kept,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/**
 * The queue of mobile conflicts synced with strategy `manual`. An admin of the tenant keeps the server's record
 * or applies the client's (version bumped); either way the record is published once resolved, and who resolved
 * it is recorded with the conflict.
 */
@Injectable()
export class MobileConflictsService {
  constructor(
    private readonly db: SyncDatabase,
    private readonly records: MobileRecordsRepository,
    private readonly relay: MobileRecordRelay,
  ) {}

  async list(tenantId: string, status: 'pending' | 'resolved', limit: number): Promise<ConflictView[]> {
    const rows = await this.db.query<ConflictRow>(
      'SELECT * FROM sync.mobile_conflicts WHERE tenant_id = $1 AND status = $2 ORDER BY created_at, id LIMIT $3',
      [tenantId, status, limit],
    );
    return rows.map(toView);
  }

  async resolve(admin: AdminPrincipal, conflictId: string, keep: 'server' | 'client'): Promise<{ conflict: ConflictView; record: StoredMobileRecord }> {
    const result = await this.db.transaction(async (tx) => {
      const [conflict] = await tx.query<ConflictRow>('SELECT * FROM sync.mobile_conflicts WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [admin.tenantId, conflictId]);
      if (!conflict) throw new NotFoundException(`no conflict ${conflictId}`);
      if (conflict.status !== 'pending') throw new ConflictException(`conflict ${conflictId} was resolved already`);
      const stored = await this.records.lockById(tx, admin.tenantId, conflict.record_id);
      if (!stored) throw new NotFoundException(`no record ${conflict.record_id}`);
      const record = keep === 'client' ? await this.records.writeVersion(tx, admin.tenantId, stored.recordId, stored.version, conflict.client_record) : stored;
      const resolution = { conflict: true, strategy: 'manual', outcome: 'manually-resolved' } as const;
      await this.records.enqueueEvent(tx, mobileRecordEvent(admin.tenantId, record, 'updated', resolution, new Date()));
      const [resolved] = await tx.query<ConflictRow>(
        `UPDATE sync.mobile_conflicts SET status = 'resolved', kept = $3, resolved_by = $4, resolved_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [admin.tenantId, conflictId, keep, `api-key:${admin.keyId}`],
      );
      return { conflict: toView(resolved!), record };
    });
    await this.relay.flushWithin(RELAY_WAIT_MS);
    return result;
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import type { MobileUser } from '../auth/mobile-jwt.guard';

export interface RequestMeta {
  clientIp: string | null;
  userAgent: string | null;
}

export type Admission = { admitted: true; auditId: string } | { admitted: false; retryAfterSeconds: number };

/**
 * The audit of every mobile sync request, which is also the log the rate limiter counts (N accepted requests
 * per user per sliding window; DESIGN.md 6: 20 per 5 minutes). Counting and recording happen under a per-user
 * advisory lock in one transaction, so parallel requests of one user on several replicas cannot both take the
 * last slot; the clock is the database's, the same for every replica.
 */
@Injectable()
export class MobileSyncAudit {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    private readonly db: SyncDatabase,
  ) {}

  async admit(user: MobileUser, meta: RequestMeta): Promise<Admission> {
    const window = `${this.config.SYNC_MOBILE_RATE_WINDOW_SECONDS} seconds`;
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mobile-rate:${user.tenantId}:${user.employeeId}`]);
      const [usage] = await tx.query<{ used: number; retry_after: string | null }>(
        `SELECT count(*)::int AS used,
                ceil(extract(epoch FROM min(requested_at) + $3::interval - clock_timestamp()))::text AS retry_after
           FROM (SELECT requested_at FROM sync.mobile_sync_audit
                  WHERE tenant_id = $1 AND employee_id = $2 AND outcome <> 'rate-limited'
                    AND requested_at > clock_timestamp() - $3::interval
                  ORDER BY requested_at DESC LIMIT $4) recent`,
        [user.tenantId, user.employeeId, window, this.config.SYNC_MOBILE_RATE_LIMIT],
      );
      const auditId = randomUUID();
      const admitted = usage!.used < this.config.SYNC_MOBILE_RATE_LIMIT;
      await tx.query(
        `INSERT INTO sync.mobile_sync_audit (id, tenant_id, employee_id, outcome, client_ip, user_agent, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 = 'rate-limited' THEN clock_timestamp() END)`,
        [auditId, user.tenantId, user.employeeId, admitted ? 'accepted' : 'rate-limited', meta.clientIp, meta.userAgent],
      );
      if (admitted) return { admitted: true, auditId };
      // The oldest of the last N admitted requests leaves the window first; then one slot is free.
      return { admitted: false, retryAfterSeconds: Math.max(1, Number(usage!.retry_after ?? 1)) };
    });
  }

  async finish(auditId: string, outcome: 'accepted' | 'rejected' | 'failed', details: { recordCount: number; summary?: unknown; results?: unknown; error?: string }): Promise<void> {
    await this.db.query(
      `UPDATE sync.mobile_sync_audit SET outcome = $2, record_count = $3, summary = $4, results = $5, error = $6, finished_at = clock_timestamp()
       WHERE id = $1`,
      [auditId, outcome, details.recordCount, details.summary === undefined ? null : JSON.stringify(details.summary), details.results === undefined ? null : JSON.stringify(details.results), details.error ?? null],
    );
  }
}

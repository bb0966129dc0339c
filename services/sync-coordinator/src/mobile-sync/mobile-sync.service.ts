import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { issuesOf } from '@attendance/http-api';
import type { MobileUser } from '../auth/mobile-jwt.guard';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import { MobileRecordRelay, RELAY_WAIT_MS } from './mobile-record-relay';
import { MobileRecordSync } from './mobile-record-sync';
import { MobileSyncAudit, type RequestMeta } from './mobile-sync-audit';
import { mobileSyncRequestSchema, type MobileRecordResult, type MobileSyncResponse } from './mobile-sync.schemas';

/** Thrown as 429 with the seconds to wait, for the controller to put in Retry-After. */
export class RateLimited extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super({ statusCode: 429, error: 'Too Many Requests', message: `too many sync requests; retry in ${retryAfterSeconds} s` }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/**
 * `POST /api/v1/attendance/sync`: admits the request (rate limit, audit), applies each record in one
 * transaction (each under a savepoint, so one failing record is reported and the others still apply), then
 * publishes the resulting events and completes the audit with the per-record results.
 */
@Injectable()
export class MobileSyncService {
  private readonly requestSchema;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    private readonly db: SyncDatabase,
    private readonly audit: MobileSyncAudit,
    private readonly recordSync: MobileRecordSync,
    private readonly relay: MobileRecordRelay,
  ) {
    this.requestSchema = mobileSyncRequestSchema(config.SYNC_MOBILE_MAX_BATCH);
  }

  async sync(user: MobileUser, body: unknown, meta: RequestMeta): Promise<MobileSyncResponse> {
    const admission = await this.audit.admit(user, meta);
    if (!admission.admitted) throw new RateLimited(admission.retryAfterSeconds);
    const envelope = this.requestSchema.safeParse(body);
    if (!envelope.success) {
      const issues = issuesOf(envelope.error);
      await this.audit.finish(admission.auditId, 'rejected', { recordCount: 0, error: JSON.stringify(issues) });
      throw new HttpException({ statusCode: 400, error: 'Bad Request', message: 'invalid sync request', issues }, HttpStatus.BAD_REQUEST);
    }
    const now = new Date();
    let results: MobileRecordResult[];
    try {
      results = await this.db.transaction(async (tx) => {
        const allowedFacilities = await this.liveFacilities(tx, user);
        const out: MobileRecordResult[] = [];
        for (const [index, raw] of envelope.data.records.entries()) {
          await tx.query('SAVEPOINT mobile_record');
          try {
            out.push(await this.recordSync.syncOne({ tx, user, allowedFacilities, now }, index, raw));
            await tx.query('RELEASE SAVEPOINT mobile_record');
          } catch (error) {
            await tx.query('ROLLBACK TO SAVEPOINT mobile_record');
            out.push({ index, status: 'error', errors: [{ path: '(record)', message: error instanceof Error ? error.message : String(error) }] });
          }
        }
        return out;
      });
    } catch (error) {
      await this.audit.finish(admission.auditId, 'failed', { recordCount: envelope.data.records.length, error: String(error) }).catch(() => undefined);
      throw error;
    }
    const summary = summarize(results);
    await this.audit.finish(admission.auditId, 'accepted', { recordCount: results.length, summary, results });
    await this.relay.flushWithin(RELAY_WAIT_MS);
    return { syncedAt: now.toISOString(), summary, results };
  }

  /** The token's facilities that are live sites of the user's tenant. */
  private async liveFacilities(tx: { query<T>(sql: string, params?: unknown[]): Promise<T[]> }, user: MobileUser): Promise<Set<string>> {
    const rows = await tx.query<{ id: string }>('SELECT id FROM sync.sites WHERE tenant_id = $1 AND id = ANY($2::text[]) AND deleted_at IS NULL', [
      user.tenantId,
      [...user.facilities],
    ]);
    return new Set(rows.map((r) => r.id));
  }
}

function summarize(results: MobileRecordResult[]): MobileSyncResponse['summary'] {
  const summary = { created: 0, updated: 0, duplicate: 0, conflict: 0, error: 0 };
  for (const r of results) summary[r.status]++;
  return summary;
}

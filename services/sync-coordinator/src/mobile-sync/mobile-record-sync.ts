import { Inject, Injectable } from '@nestjs/common';
import type { MobileRecordV1 } from '@attendance/contracts';
import { issuesOf } from '@attendance/http-api';
import type { MobileUser } from '../auth/mobile-jwt.guard';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import type { SqlExecutor } from '../persistence/sql-executor';
import { conflictReasons, sameContent } from './conflict-detection';
import { MobileRecordsRepository, type RecordState } from './mobile-records.repository';
import { MobileSyncRecordSchema, type MobileRecordResult, type MobileSyncRecord, type StoredMobileRecord } from './mobile-sync.schemas';

export interface SyncContext {
  tx: SqlExecutor;
  user: MobileUser;
  /** Live sites of the user's tenant among the token's facilities. */
  allowedFacilities: ReadonlySet<string>;
  now: Date;
}

/**
 * The rules for one record of a sync (DESIGN.md 6). A record without recordId is new: created, or a duplicate
 * when its deviceId + clientTimestamp exist. A record with recordId updates the user's own record: applied when
 * it edits the current version within the time window, otherwise a conflict settled by its strategy:
 * `server_wins` keeps the server's record, `client_wins` applies the client's with the version bumped,
 * `manual` queues it for an admin. Every change is put in the outbox with the record.
 */
@Injectable()
export class MobileRecordSync {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    private readonly records: MobileRecordsRepository,
  ) {}

  async syncOne(ctx: SyncContext, index: number, raw: unknown): Promise<MobileRecordResult> {
    const localId = typeof (raw as { localId?: unknown })?.localId === 'string' ? { localId: (raw as { localId: string }).localId } : {};
    const parsed = MobileSyncRecordSchema.safeParse(raw);
    if (!parsed.success) return { index, ...localId, status: 'error', errors: issuesOf(parsed.error) };
    const record = parsed.data;
    const refusal = this.refusal(ctx, record);
    if (refusal) return { index, ...localId, status: 'error', errors: [refusal] };
    const state = stateOf(record);
    if (record.recordId === undefined) return { index, ...localId, ...(await this.createOrDuplicate(ctx, record, state)) };
    return { index, ...localId, ...(await this.update(ctx, record, record.recordId, state)) };
  }

  private refusal(ctx: SyncContext, record: MobileSyncRecord): { path: string; message: string } | null {
    const skewMs = this.config.SYNC_MOBILE_FUTURE_TOLERANCE_SECONDS * 1000;
    if (Date.parse(record.clientTimestamp) > ctx.now.getTime() + skewMs) return { path: 'clientTimestamp', message: 'is in the future' };
    if (!ctx.allowedFacilities.has(record.facilityId)) return { path: 'facilityId', message: `you may not record at facility ${record.facilityId}` };
    return null;
  }

  private async createOrDuplicate(ctx: SyncContext, record: MobileSyncRecord, state: RecordState): Promise<Omit<MobileRecordResult, 'index'>> {
    const created = await this.records.insertNew(ctx.tx, ctx.user.tenantId, ctx.user.employeeId, state);
    if (created) {
      await this.records.enqueueEvent(ctx.tx, this.event(ctx, created, 'created', { conflict: false, strategy: record.strategy, outcome: 'applied' }));
      return { status: 'created', recordId: created.recordId, version: created.version };
    }
    const existing = await this.records.findByClientIdentity(ctx.tx, ctx.user.tenantId, state.deviceId, state.clientTimestamp);
    // Another user's record with the same device and time: not theirs to see, and not a record of this user.
    if (!existing || existing.employeeId !== ctx.user.employeeId) {
      return { status: 'error', errors: [{ path: 'deviceId', message: 'another user has a record from this device at this time' }] };
    }
    return { status: 'duplicate', recordId: existing.recordId, version: existing.version };
  }

  private async update(ctx: SyncContext, record: MobileSyncRecord, recordId: string, state: RecordState): Promise<Omit<MobileRecordResult, 'index'>> {
    const stored = await this.records.lockById(ctx.tx, ctx.user.tenantId, recordId);
    // A user syncs only their own records; someone else's answers like a record that does not exist.
    if (!stored || stored.employeeId !== ctx.user.employeeId) return { status: 'error', errors: [{ path: 'recordId', message: `no record ${recordId}` }] };
    const incoming = { ...state, clientTimestampMs: Date.parse(state.clientTimestamp), syncVersion: record.syncVersion };
    const reasons = conflictReasons(stored, incoming, this.config.SYNC_MOBILE_CONFLICT_WINDOW_SECONDS * 1000);
    if (reasons.length === 0) {
      if (sameContent(stored, incoming)) return { status: 'duplicate', recordId, version: stored.version };
      const updated = await this.records.writeVersion(ctx.tx, ctx.user.tenantId, recordId, stored.version, state);
      await this.records.enqueueEvent(ctx.tx, this.event(ctx, updated, 'updated', { conflict: false, strategy: record.strategy, outcome: 'applied' }));
      return { status: 'updated', recordId, version: updated.version };
    }
    if (record.strategy === 'client_wins') {
      const updated = await this.records.writeVersion(ctx.tx, ctx.user.tenantId, recordId, stored.version, state);
      await this.records.enqueueEvent(ctx.tx, this.event(ctx, updated, 'updated', { conflict: true, strategy: 'client_wins', outcome: 'client-applied' }));
      return { status: 'conflict', recordId, version: updated.version, conflict: { reasons, resolution: 'client-applied', server: stored } };
    }
    if (record.strategy === 'manual') {
      const conflictId = await this.records.queueConflict(ctx.tx, ctx.user.tenantId, stored, state, reasons);
      return { status: 'conflict', recordId, version: stored.version, conflict: { reasons, resolution: 'queued', conflictId, server: stored } };
    }
    return { status: 'conflict', recordId, version: stored.version, conflict: { reasons, resolution: 'server-kept', server: stored } };
  }

  private event(ctx: SyncContext, record: StoredMobileRecord, change: MobileRecordV1['change'], resolution: MobileRecordV1['resolution']): MobileRecordV1 {
    return mobileRecordEvent(ctx.user.tenantId, record, change, resolution, ctx.now);
  }
}

export function stateOf(record: MobileSyncRecord): RecordState {
  return {
    facilityId: record.facilityId,
    direction: record.direction,
    clientTimestamp: new Date(record.clientTimestamp).toISOString(),
    timeZone: record.timeZone ?? null,
    location: record.location ? { latitude: record.location.latitude, longitude: record.location.longitude, accuracyMeters: record.location.accuracyMeters ?? null } : null,
    deviceId: record.deviceId,
  };
}

/** The `attendance.mobile-record.v1` value of a record's state after a change. */
export function mobileRecordEvent(
  tenantId: string,
  record: StoredMobileRecord,
  change: MobileRecordV1['change'],
  resolution: MobileRecordV1['resolution'],
  syncedAt: Date,
): MobileRecordV1 {
  return {
    recordId: record.recordId,
    tenantId,
    employeeId: record.employeeId,
    siteId: record.facilityId,
    clientDeviceId: record.deviceId,
    clientTimestamp: record.clientTimestamp,
    timeZone: record.timeZone,
    direction: record.direction,
    location: record.location,
    version: record.version,
    change,
    resolution,
    syncedAt: syncedAt.toISOString(),
  };
}

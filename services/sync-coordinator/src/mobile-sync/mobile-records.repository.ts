import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { MobileRecordTopic, type MobileRecordV1 } from '@attendance/contracts';
import type { SqlExecutor } from '../persistence/sql-executor';
import type { StoredMobileRecord } from './mobile-sync.schemas';

interface RecordRow {
  id: string;
  employee_id: string;
  site_id: string;
  direction: 'in' | 'out';
  client_timestamp: Date;
  time_zone: string | null;
  latitude: number | null;
  longitude: number | null;
  accuracy_meters: number | null;
  client_device_id: string;
  version: number;
}

/** A record's new state, as written by a sync or a resolution. */
export type RecordState = Omit<StoredMobileRecord, 'recordId' | 'version' | 'employeeId'>;

const toStored = (r: RecordRow): StoredMobileRecord => ({
  recordId: r.id,
  employeeId: r.employee_id,
  facilityId: r.site_id,
  direction: r.direction,
  clientTimestamp: r.client_timestamp.toISOString(),
  timeZone: r.time_zone,
  location: r.latitude === null || r.longitude === null ? null : { latitude: r.latitude, longitude: r.longitude, accuracyMeters: r.accuracy_meters },
  deviceId: r.client_device_id,
  version: r.version,
});

const stateParams = (s: RecordState) => [
  s.facilityId,
  s.direction,
  s.clientTimestamp,
  s.timeZone,
  s.location?.latitude ?? null,
  s.location?.longitude ?? null,
  s.location?.accuracyMeters ?? null,
  s.deviceId,
];

/** SQL of mobile records, conflicts and the record outbox, always inside the caller's transaction. */
@Injectable()
export class MobileRecordsRepository {
  /** The tenant's record, locked for the rest of the transaction (concurrent syncs of one record queue up). */
  async lockById(tx: SqlExecutor, tenantId: string, recordId: string): Promise<StoredMobileRecord | null> {
    const [row] = await tx.query<RecordRow>('SELECT * FROM sync.mobile_records WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, recordId]);
    return row ? toStored(row) : null;
  }

  async findByClientIdentity(tx: SqlExecutor, tenantId: string, deviceId: string, clientTimestamp: string): Promise<StoredMobileRecord | null> {
    const [row] = await tx.query<RecordRow>(
      'SELECT * FROM sync.mobile_records WHERE tenant_id = $1 AND client_device_id = $2 AND client_timestamp = $3',
      [tenantId, deviceId, clientTimestamp],
    );
    return row ? toStored(row) : null;
  }

  /** Inserts version 1, or answers null when a record with the same deviceId + clientTimestamp exists. */
  async insertNew(tx: SqlExecutor, tenantId: string, employeeId: string, state: RecordState): Promise<StoredMobileRecord | null> {
    const [row] = await tx.query<RecordRow>(
      `INSERT INTO sync.mobile_records (id, tenant_id, employee_id, site_id, direction, client_timestamp, time_zone, latitude, longitude, accuracy_meters, client_device_id, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)
       ON CONFLICT ON CONSTRAINT mobile_records_client_identity DO NOTHING RETURNING *`,
      [randomUUID(), tenantId, employeeId, ...stateParams(state)],
    );
    return row ? toStored(row) : null;
  }

  /** Writes a new state with the version after `currentVersion`. */
  async writeVersion(tx: SqlExecutor, tenantId: string, recordId: string, currentVersion: number, state: RecordState): Promise<StoredMobileRecord> {
    const [row] = await tx.query<RecordRow>(
      `UPDATE sync.mobile_records SET site_id = $3, direction = $4, client_timestamp = $5, time_zone = $6, latitude = $7, longitude = $8,
         accuracy_meters = $9, client_device_id = $10, version = $11, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [tenantId, recordId, ...stateParams(state), currentVersion + 1],
    );
    return toStored(row!);
  }

  async queueConflict(tx: SqlExecutor, tenantId: string, stored: StoredMobileRecord, clientState: RecordState, reasons: string[]): Promise<string> {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO sync.mobile_conflicts (id, tenant_id, record_id, employee_id, reasons, client_record, server_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, tenantId, stored.recordId, stored.employeeId, reasons, JSON.stringify(clientState), stored.version],
    );
    return id;
  }

  /**
   * Validates the event against its contract and stores it in the outbox in the caller's transaction, so the
   * event exists exactly when the change does (MobileRecordRelay publishes it after the commit).
   */
  async enqueueEvent(tx: SqlExecutor, event: MobileRecordV1): Promise<void> {
    const value = MobileRecordTopic.schema.parse(event);
    await tx.query('INSERT INTO sync.mobile_record_outbox (event_id, key, value_json) VALUES ($1, $2, $3)', [
      randomUUID(),
      MobileRecordTopic.key(value),
      JSON.stringify(value),
    ]);
  }
}

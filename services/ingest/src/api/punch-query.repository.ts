import { Injectable } from '@nestjs/common';
import { IngestDatabase } from '../persistence/ingest-database';
import type { PunchCursor, PunchQuery } from './punch-query.schema';

/** A stored punch as the API returns it (mapped here; no entity or row leaves this file). */
export interface StoredPunch {
  eventId: string;
  tenantId: string;
  siteId: string;
  gatewayId: string;
  deviceSerial: string;
  protocol: string;
  deviceUserId: string;
  localTime: string;
  timeZone: string;
  punchedAt: string;
  direction: string;
  directionRaw: string | null;
  verifyMode: string;
  verifyModeRaw: string | null;
  workCode: string | null;
  source: string;
  receivedAt: string;
  deviceCursor: string | null;
  flags: Record<string, boolean>;
  firstSeenAt: string;
  acceptedAt: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

@Injectable()
export class PunchQueryRepository {
  constructor(private readonly database: IngestDatabase) {}

  /** One page in (punchedAt, eventId) order, `limit + 1` rows so the caller knows whether more follow. */
  async page(tenantId: string, query: PunchQuery, after: PunchCursor | null): Promise<StoredPunch[]> {
    const params: unknown[] = [tenantId, query.from, query.to];
    // NOTE: partitions are by local_time; any zone's offset is under a day, so this widened local window lets
    // Postgres prune partitions without changing the result.
    params.push(new Date(Date.parse(query.from) - DAY_MS).toISOString().slice(0, 19), new Date(Date.parse(query.to) + DAY_MS).toISOString().slice(0, 19));
    const where = ['tenant_id = $1', 'punched_at >= $2', 'punched_at < $3', 'local_time >= $4::timestamp', 'local_time < $5::timestamp'];
    const add = (clause: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(clause(params.length));
    };
    if (query.employee) add((n) => `device_user_id = $${n}`, query.employee);
    if (query.device) add((n) => `device_serial = $${n}`, query.device);
    if (query.site) add((n) => `site_id = $${n}`, query.site);
    if (after) {
      params.push(after.punchedAt, after.eventId);
      where.push(`(punched_at, event_id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(query.limit + 1);
    const rows: Record<string, unknown>[] = await this.database.dataSource.query(
      `SELECT event_id, tenant_id, site_id, gateway_id, device_serial, protocol, device_user_id,
              to_char(local_time, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_time, time_zone, punched_at, direction,
              direction_raw, verify_mode, verify_mode_raw, work_code, source, received_at, device_cursor, flags,
              first_seen_at, accepted_at
       FROM ingest.punches WHERE ${where.join(' AND ')}
       ORDER BY punched_at, event_id LIMIT $${params.length}`,
      params,
    );
    return rows.map(toStoredPunch);
  }
}

function toStoredPunch(row: Record<string, unknown>): StoredPunch {
  const iso = (v: unknown) => (v as Date).toISOString();
  return {
    eventId: row.event_id as string,
    tenantId: row.tenant_id as string,
    siteId: row.site_id as string,
    gatewayId: row.gateway_id as string,
    deviceSerial: row.device_serial as string,
    protocol: row.protocol as string,
    deviceUserId: row.device_user_id as string,
    localTime: row.local_time as string,
    timeZone: row.time_zone as string,
    punchedAt: iso(row.punched_at),
    direction: row.direction as string,
    directionRaw: (row.direction_raw as string | null) ?? null,
    verifyMode: row.verify_mode as string,
    verifyModeRaw: (row.verify_mode_raw as string | null) ?? null,
    workCode: (row.work_code as string | null) ?? null,
    source: row.source as string,
    receivedAt: iso(row.received_at),
    deviceCursor: (row.device_cursor as string | null) ?? null,
    flags: row.flags as Record<string, boolean>,
    firstSeenAt: iso(row.first_seen_at),
    acceptedAt: iso(row.accepted_at),
  };
}

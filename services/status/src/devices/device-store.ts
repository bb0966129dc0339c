import { Inject, Injectable } from '@nestjs/common';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { DependencyUnavailableError } from '@attendance/kafka';
import { execOrThrow, StatusRedis } from '../redis/status-redis';
import { HEALTH_FIELDS, healthRecordFromValues, toDeviceRecord, type DeviceRecord, type HealthRecord } from './device-record';
import type { DeviceUpdate } from './device-update';

/**
 * Devices per APPLY_MANY call: large enough that the per-command cost is spread thin, small enough that one
 * call (which blocks Redis while it runs) stays around a millisecond.
 */
const APPLY_CALL_DEVICES = 100;

/** A state change (or a change of reasons within a state) to claim against the record it was computed from. */
export interface ClaimRequest {
  record: HealthRecord;
  state: string;
  reasonCodes: string;
  changedAtMs: number;
  /** The ops.device.health.v1 value as JSON; null when only the reasons changed (no event). */
  eventJson: string | null;
  /** `changedAt|from|to|codes`, kept in the device's recent list. */
  compactLine: string;
}

/**
 * Redis adapter of device health records: pipelined script calls, one round trip per batch. Redis errors
 * become DependencyUnavailableError, so the Kafka consumer pauses and retries instead of dead-lettering.
 */
@Injectable()
export class DeviceStore {
  /** How far the contact watch may lag a device's last contact (see APPLY_DEVICE_UPDATE). */
  private readonly watchGranularityMs: string;
  private readonly recordFields = HEALTH_FIELDS.join(',');

  constructor(
    private readonly redis: StatusRedis,
    @Inject(STATUS_CONFIG) config: StatusConfig,
  ) {
    this.watchGranularityMs = String(Math.min(60_000, Math.floor((config.STATUS_OFFLINE_AFTER_SECONDS * 1000) / 10)));
  }

  /**
   * Applies updates (already one per device) and returns each device's health record right after its update:
   * APPLY_MANY calls of up to APPLY_CALL_DEVICES devices each, all pipelined (one round trip per batch).
   */
  async apply(updates: readonly DeviceUpdate[]): Promise<HealthRecord[]> {
    if (updates.length === 0) return [];
    const { keys } = this.redis;
    const watch = keys.contactWatch();
    const pipeline = this.redis.pipeline();
    for (let start = 0; start < updates.length; start += APPLY_CALL_DEVICES) {
      const chunk = updates.slice(start, start + APPLY_CALL_DEVICES);
      const args: string[] = [watch];
      for (const u of chunk) args.push(keys.device(u.tenantId, u.deviceSerial));
      args.push(this.watchGranularityMs, this.recordFields);
      for (const u of chunk) {
        args.push(keys.watchMember(u.tenantId, u.deviceSerial), String(u.ops.length));
        for (const op of u.ops) args.push(op);
      }
      pipeline.statusApplyMany(1 + chunk.length, ...args);
    }
    const results = await this.guard(() => execOrThrow<string[][]>(pipeline));
    const records: HealthRecord[] = [];
    for (const values of results) {
      for (const v of values) {
        const record = healthRecordFromValues(v);
        if (record) records.push(record);
      }
    }
    return records;
  }

  async read(devices: readonly { tenantId: string; deviceSerial: string }[]): Promise<(DeviceRecord | null)[]> {
    if (devices.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const d of devices) pipeline.hgetall(this.redis.keys.device(d.tenantId, d.deviceSerial));
    const hashes = await this.guard(() => execOrThrow<Record<string, string>>(pipeline));
    return hashes.map((hash) => toDeviceRecord(hash));
  }

  /** Claims each change atomically; true where this caller won (the record was unchanged since it was read). */
  async claim(requests: readonly ClaimRequest[], options: { transitionsKept: number; outboxMaxLength: number }): Promise<boolean[]> {
    if (requests.length === 0) return [];
    const { keys } = this.redis;
    const pipeline = this.redis.pipeline();
    for (const { record: r, state, reasonCodes, changedAtMs, eventJson, compactLine } of requests) {
      const t = r.tenantId;
      const oldSite = r.indexedSite ?? r.siteId;
      const oldState = r.state || 'unknown';
      pipeline.statusClaim(
        keys.device(t, r.deviceSerial),
        keys.transitions(t, r.deviceSerial),
        keys.counts(t),
        keys.tenants(),
        keys.contactWatch(),
        keys.outbox(),
        keys.deviceIndex(t),
        keys.deviceIndex(t, { site: r.siteId }),
        keys.deviceIndex(t, { state }),
        keys.deviceIndex(t, { site: r.siteId, state }),
        keys.deviceIndex(t, { site: oldSite }),
        keys.deviceIndex(t, { state: oldState }),
        keys.deviceIndex(t, { site: oldSite, state: oldState }),
        r.rev,
        r.state,
        state,
        reasonCodes,
        String(changedAtMs),
        r.deviceSerial,
        r.siteId,
        oldSite,
        compactLine,
        String(options.transitionsKept),
        eventJson ?? '',
        String(options.outboxMaxLength),
        t,
        keys.watchMember(t, r.deviceSerial),
      );
    }
    const results = await this.guard(() => execOrThrow<number>(pipeline));
    return results.map((won) => won === 1);
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new DependencyUnavailableError('redis', error);
    }
  }
}

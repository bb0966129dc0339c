import type { PunchProtocol } from '@attendance/contracts';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import type { EdgeStore } from '../store/edge-store';
import { DeviceStateRepository, type CapacityLevel } from './device-state.repository';

export interface DeviceHealthThresholds {
  /** |device clock - gateway clock| above this is reported as skew. Default 60 s. */
  clockSkewMs: number;
  /** Share of the record capacity used at which capacity is `warning` / `critical` (contract: 80 % / 95 %). */
  capacityWarning: number;
  capacityCritical: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: DeviceHealthThresholds = { clockSkewMs: 60_000, capacityWarning: 0.8, capacityCritical: 0.95 };

/**
 * Keeps `device_state` of the pulled devices and turns changes into device events: online/offline
 * transitions, clock skew crossing the threshold (both ways) and capacity levels. Only transitions are
 * reported, so a device polled every minute does not emit an event a minute. State and event are written in
 * one transaction.
 */
export class DeviceHealthTracker {
  readonly states: DeviceStateRepository;

  constructor(
    private readonly store: EdgeStore,
    private readonly events: DeviceEventRecorder,
    private readonly thresholds: DeviceHealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
  ) {
    this.states = new DeviceStateRepository(store.db);
  }

  register(serial: string, protocol: string): void {
    this.states.ensure(serial, protocol, new Date().toISOString());
  }

  /** The device answered. */
  contact(serial: string, protocol: PunchProtocol, remoteAddress: string | null, at = new Date()): void {
    const now = at.toISOString();
    this.store.transaction(() => {
      const before = this.states.get(serial);
      this.states.patch(serial, { reachable: true, lastContactAt: now }, now);
      this.store.devices.recordContact({ serial, configured: true, protocol, pushVersion: null, now });
      if (before?.reachable !== true) this.events.record({ type: 'online', deviceSerial: serial, protocol, remoteAddress, occurredAt: now });
    });
  }

  /** The device could not be reached or the session to it ended. */
  unreachable(serial: string, reason: string, detail: string, at = new Date()): void {
    const now = at.toISOString();
    this.store.transaction(() => {
      const before = this.states.get(serial);
      this.states.patch(serial, { reachable: false, lastError: `${toCode(reason)}: ${detail}`.slice(0, 1000), lastErrorAt: now }, now);
      if (before?.reachable !== false) {
        this.events.record({ type: 'offline', deviceSerial: serial, lastContactAt: before?.lastContactAt ?? null, reason: toCode(reason), occurredAt: now });
      }
    });
  }

  /**
   * An error that does not make the device unreachable (a refused command, a store failure). Written as
   * `<kebab-code>: <detail>`: the heartbeat reports the code as the device's last error class.
   */
  error(serial: string, message: string, at = new Date()): void {
    const now = at.toISOString();
    this.states.patch(serial, { lastError: message.slice(0, 1000), lastErrorAt: now }, now);
  }

  clock(serial: string, skewMs: number, deviceLocalTime: string | null, at = new Date()): void {
    const now = at.toISOString();
    const exceeded = Math.abs(skewMs) > this.thresholds.clockSkewMs;
    this.store.transaction(() => {
      const before = this.states.get(serial);
      const state = exceeded ? 'exceeded' : 'ok';
      this.states.patch(serial, { clockSkewMs: Math.round(skewMs), clockSkewState: state, clockCheckedAt: now, deviceLocalTime }, now);
      // The shared device row carries the skew too, for views that list every protocol alike.
      this.store.db.prepare('UPDATE device SET clock_skew_seconds = ?, clock_checked_at = ? WHERE serial = ?').run(skewMs / 1000, now, serial);
      const changed = exceeded ? before?.clockSkewState !== 'exceeded' : before?.clockSkewState === 'exceeded';
      if (changed) {
        this.events.record({
          type: 'clock-skew',
          deviceSerial: serial,
          state: exceeded ? 'exceeded' : 'recovered',
          skewSeconds: Math.round(skewMs / 100) / 10,
          thresholdSeconds: this.thresholds.clockSkewMs / 1000,
          deviceLocalTime,
          occurredAt: now,
        });
      }
    });
  }

  capacity(serial: string, recordsUsed: number, recordsMax: number | null, at = new Date()): void {
    const now = at.toISOString();
    const ratio = recordsMax && recordsMax > 0 ? Math.min(1, recordsUsed / recordsMax) : null;
    const level: CapacityLevel = ratio === null ? 'ok' : ratio >= this.thresholds.capacityCritical ? 'critical' : ratio >= this.thresholds.capacityWarning ? 'warning' : 'ok';
    this.store.transaction(() => {
      const before = this.states.get(serial);
      this.states.patch(serial, { recordsUsed, recordsMax: recordsMax ?? undefined, capacityLevel: level }, now);
      const previous = before?.capacityLevel ?? null;
      if (previous !== level && (previous !== null || level !== 'ok')) {
        this.events.record({ type: 'capacity', deviceSerial: serial, level, recordsUsed, recordsMax, usedRatio: ratio, occurredAt: now });
      }
    });
  }
}

/** Device event reasons are kebab-case codes. */
function toCode(reason: string): string {
  return reason.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64) || 'unreachable';
}

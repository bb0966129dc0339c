import { NotFoundException } from '@nestjs/common';
import type { AdmsDeviceHealth } from '../adms/adms-device-health';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import type { EdgeStore } from '../store/edge-store';
import { emptyReplayCounts, PendingRequestReplay, type ReplayCounts } from './pending-request-replay';

export interface ApprovalResult extends ReplayCounts {
  serial: string;
  /** False when the device was already approved (by config or an earlier call): nothing else changed then. */
  newlyApproved: boolean;
  approvedAt: string | null;
  /** The zone its punches are resolved in: its config entry's, else the site's until it is configured. */
  timeZone: string;
}

export interface DeviceApprovalDeps {
  /** Where replayed audits and quarantined lines are reported (the runtime's durable recorder). */
  events?: DeviceEventRecorder;
  /** Capacity from replayed options / registry bodies. */
  health?: AdmsDeviceHealth | null;
  /** Wakes the outbox relay when a replay stored punches. */
  onPunchesStored?: () => void;
  /** Told of a request whose replay failed (it stays pending); the start-up hook logs it. */
  onReplayFailure?: (serial: string, requestId: number, error: unknown) => void;
}

/**
 * Approving a pending device (DESIGN.md 5: unknown serials wait as pending). The approval lives in SQLite
 * (`device.status`, `approved_at`), not in the config file: the gateway never rewrites the operator's file,
 * and an approved device that has no config entry uses the site zone until one is added (the entry's zone wins
 * from then on). The approval commits first; then every request the device sent while pending is replayed
 * (PendingRequestReplay: punches, users, audits, device info, quarantine, exactly as live requests would be),
 * a batch per transaction, each request leaving `pending-device` in the transaction that replayed it. A crash
 * mid-replay keeps the approval and the batches done; the start-up replay (and any later approval call) goes
 * on with what is still pending, so every request is replayed exactly once into the outbox.
 */
export class DeviceApprovalService {
  private readonly replay: PendingRequestReplay;
  private readonly onPunchesStored: () => void;
  private readonly onReplayFailure: (serial: string, requestId: number, error: unknown) => void;

  constructor(
    private readonly store: EdgeStore,
    private readonly config: GatewayConfig,
    deps: DeviceApprovalDeps = {},
  ) {
    this.replay = new PendingRequestReplay(store, config, { events: deps.events, health: deps.health });
    this.onPunchesStored = deps.onPunchesStored ?? (() => undefined);
    this.onReplayFailure = deps.onReplayFailure ?? (() => undefined);
  }

  approve(serial: string, now = new Date()): ApprovalResult {
    const timeZone = this.config.devices.get(serial)?.timeZone ?? this.config.siteTimeZone;
    const newlyApproved = this.store.transaction(() => {
      if (!this.store.devices.get(serial)) throw new NotFoundException(`no device with serial ${serial} has contacted this gateway`);
      return this.store.devices.approve(serial, now.toISOString());
    });
    const counts = emptyReplayCounts();
    try {
      this.replay.replayDevice(serial, timeZone, now.toISOString(), counts, (requestId, error) => this.onReplayFailure(serial, requestId, error));
    } finally {
      // Also after a failed batch: the batches before it are durable and their punches may be sent.
      if (counts.punches > 0) this.onPunchesStored();
    }
    return { serial, newlyApproved, approvedAt: this.store.devices.get(serial)!.approvedAt, timeZone, ...counts };
  }

  /**
   * At start-up: devices that are approved (in the config file, or through the API) but still have requests
   * waiting, because they were added to the file while pending or because a crash cut a replay short, get them
   * replayed now, exactly like an approval through the API.
   */
  replayApprovedDevices(now = new Date()): ApprovalResult[] {
    return this.replay
      .devicesWithPending()
      .filter((serial) => this.config.devices.has(serial) || this.store.devices.get(serial)?.status === 'approved')
      .map((serial) => this.approve(serial, now));
  }
}

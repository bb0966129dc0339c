import { Inject, Injectable } from '@nestjs/common';
import type { GatewayCommandV1, GatewayHeartbeatDeviceV1, GatewayHeartbeatV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { GatewayCommands, type CommandTarget } from '../kafka/gateway-commands';
import { SyncDatabase } from '../persistence/sync-database';
import { DeviceContactsRepository } from '../reconciliation/device-contacts.repository';
import { EdgeSyncMetrics } from '../reconciliation/edge-sync-metrics';
import { LeasesRepository, type LeaseRow } from './leases.repository';
import { isPullMode } from './pull-mode';

/**
 * Pull leases from heartbeats. For each pull-mode device a gateway reports:
 * - reachable, no live lease: grant it to this gateway (token + 1), revoke the expired holder's lease;
 * - never contacted by this gateway, no live lease, no other gateway reaching it: grant it too. A gateway
 *   with LEASES_REQUIRED does not open a device it holds no lease for, so it can only ever report such a
 *   device unreachable; waiting for "reachable" would leave it unpulled for good (seen end to end);
 * - reachable, this gateway holds it: renew when less than half the TTL is left;
 * - unreachable, this gateway holds it: do not renew, so it lapses and a gateway that reaches it takes over;
 * - the gateway's report of its lease differs from ours: send the grant again (a lost command heals), or
 *   revoke a lease it still reports after it was superseded.
 * A silent gateway sends no heartbeats, so its leases lapse after the TTL and move. Heartbeats older than the
 * TTL vouch for nothing and are ignored. Commands go out after the database changed (never a lease the
 * database does not hold); a failed send is retried with the heartbeat and then healed by the rules above.
 */
@Injectable()
export class LeaseManager {
  /** When a grant was last re-sent because a heartbeat did not show it, per lease (bounds re-sends). */
  private readonly resentAt = new Map<string, number>();

  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly db: SyncDatabase,
    private readonly commands: GatewayCommands,
    private readonly metrics: EdgeSyncMetrics,
  ) {}

  async onHeartbeat(heartbeat: GatewayHeartbeatV1, now = new Date()): Promise<void> {
    const ttlMs = this.config.SYNC_LEASE_TTL_SECONDS * 1000;
    if (now.getTime() - Date.parse(heartbeat.sentAt) > ttlMs) return;
    const devices = heartbeat.devices.filter((d) => d.registration === 'approved' && isPullMode(d.protocol));
    if (devices.length === 0) return;
    const repository = new LeasesRepository(this.db);
    const contacts = new DeviceContactsRepository(this.db);
    const leases = await repository.findMany(heartbeat.tenantId, devices.map((d) => d.deviceSerial));
    const target: CommandTarget = { tenantId: heartbeat.tenantId, siteId: heartbeat.siteId, gatewayId: heartbeat.gatewayId };
    const outgoing: GatewayCommandV1[] = [];
    for (const device of devices) {
      let lease = leases.get(device.deviceSerial) ?? null;
      const live = lease !== null && new Date(lease.expires_at).getTime() > now.getTime();
      if (live && lease!.holder_gateway_id === heartbeat.gatewayId) {
        if (!device.reachable) continue;
        const renewed = new Date(lease!.expires_at).getTime() - now.getTime() < ttlMs / 2
          ? await repository.renew(heartbeat.tenantId, device.deviceSerial, heartbeat.gatewayId, lease!.lease_id, this.config.SYNC_LEASE_TTL_SECONDS)
          : lease;
        if (renewed && renewed !== lease) this.metrics.leaseGrants.inc({ kind: 'renewed' });
        if (renewed && (renewed !== lease || (!reports(device, renewed) && this.mayResend(renewed, now, ttlMs)))) outgoing.push(this.grant(target, renewed, now));
        lease = renewed ?? lease;
      } else if (!live && (device.reachable || (waitsForLease(device) && !(await contacts.reachableElsewhere(heartbeat.tenantId, device.deviceSerial, target.gatewayId))))) {
        const granted = await repository.tryGrant(heartbeat.tenantId, device.deviceSerial, heartbeat.siteId, heartbeat.gatewayId, this.config.SYNC_LEASE_TTL_SECONDS);
        if (granted) {
          outgoing.push(this.grant(target, granted, now));
          this.metrics.leaseGrants.inc({ kind: 'granted' });
          if (granted.previous_gateway_id && granted.previous_gateway_id !== heartbeat.gatewayId && granted.previous_lease_id) {
            const previous = { ...target, gatewayId: granted.previous_gateway_id, siteId: lease?.site_id ?? heartbeat.siteId };
            outgoing.push(this.revoke(previous, device.deviceSerial, granted.previous_lease_id, Number(granted.previous_fencing_token), now));
          }
          this.logger.info(
            { tenantId: heartbeat.tenantId, deviceSerial: device.deviceSerial, gatewayId: heartbeat.gatewayId, fencingToken: Number(granted.fencing_token), previous: granted.previous_gateway_id },
            'lease granted',
          );
          lease = granted;
        }
      }
      const held = device.lease;
      if (held && lease && held.leaseId !== lease.lease_id && held.fencingToken < Number(lease.fencing_token)) {
        outgoing.push(this.revoke(target, device.deviceSerial, held.leaseId, held.fencingToken, now));
      }
    }
    await this.commands.send(outgoing);
  }

  /**
   * A gateway whose heartbeat does not show its lease either has not processed the grant yet or lost it; a
   * re-send heals the second case. At most once per half TTL per lease, so a gateway that keeps refusing the
   * grant (it rejects it, e.g. as not its pull device) is not sent one with every heartbeat.
   */
  private mayResend(lease: LeaseRow, now: Date, ttlMs: number): boolean {
    const key = `${lease.tenant_id}:${lease.device_serial}:${lease.lease_id}`;
    const last = this.resentAt.get(key);
    if (last !== undefined && now.getTime() - last < ttlMs / 2) return false;
    if (this.resentAt.size > 50_000) this.resentAt.clear(); // a bound, not a cache policy: worst case one extra re-send each
    this.resentAt.set(key, now.getTime());
    return true;
  }

  private grant(target: CommandTarget, lease: LeaseRow, now: Date) {
    const expiresAt = new Date(lease.expires_at);
    return this.commands.build(
      'lease-grant',
      target,
      { deviceSerial: lease.device_serial, leaseId: lease.lease_id, fencingToken: Number(lease.fencing_token), expiresAt: expiresAt.toISOString() },
      // Pointless to start after the lease ended.
      { requestedBy: null, now, deadlineSeconds: Math.max(1, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)) },
    );
  }

  private revoke(target: CommandTarget, deviceSerial: string, leaseId: string, fencingToken: number, now: Date) {
    return this.commands.build('lease-revoke', target, { deviceSerial, leaseId, fencingToken, reason: 'reassigned' }, { requestedBy: null, now });
  }
}

/**
 * A device this gateway has never reached and holds no lease for: with LEASES_REQUIRED it waits for a lease
 * before its first attempt. (A gateway that lost a device still reports the last contact, so it is not this.)
 */
function waitsForLease(device: GatewayHeartbeatDeviceV1): boolean {
  return !device.reachable && device.lastContactAt === null && device.lease === null;
}

/** Whether the gateway's heartbeat already reflects this lease (same id, same expiry to the second). */
function reports(device: GatewayHeartbeatDeviceV1, lease: LeaseRow): boolean {
  return device.lease?.leaseId === lease.lease_id && Math.abs(Date.parse(device.lease.expiresAt) - new Date(lease.expires_at).getTime()) < 1000;
}

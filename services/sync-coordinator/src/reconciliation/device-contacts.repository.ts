import type { GatewayHeartbeatV1 } from '@attendance/contracts';
import type { SqlExecutor } from '../persistence/sql-executor';

/** How many heartbeat periods of silence make a gateway "out of contact" (the contract says ~3). */
export const SILENT_AFTER_PERIODS = 3;

interface PreviousContact {
  device_serial: string;
  reachable: boolean;
  unreachable_since: Date | null;
  heartbeat_sent_at: Date;
  heartbeat_interval_s: number;
}

export interface ContactGap {
  deviceSerial: string;
  from: Date;
  to: Date;
}

/**
 * Which gateway reaches which device, from heartbeats, and the spells a device was out of contact:
 * - reported unreachable, then reachable again: the gap is [unreachable since, now];
 * - its gateway silent for more than SILENT_AFTER_PERIODS heartbeat periods: the gap is [last heartbeat, now].
 * Heartbeats of one gateway arrive in order (keyed by gatewayId), so a gateway's rows have one writer.
 */
export class DeviceContactsRepository {
  constructor(private readonly sql: SqlExecutor) {}

  /** Records one heartbeat (of a gateway already checked against the directory); returns new contact gaps. */
  async record(heartbeat: GatewayHeartbeatV1): Promise<ContactGap[]> {
    const approved = heartbeat.devices.filter((d) => d.registration === 'approved');
    if (approved.length === 0) return [];
    const sentAt = new Date(heartbeat.sentAt);
    const previous = await this.sql.query<PreviousContact>(
      `SELECT device_serial, reachable, unreachable_since, heartbeat_sent_at, heartbeat_interval_s
       FROM sync.gateway_device_contacts WHERE tenant_id = $1 AND gateway_id = $2 AND device_serial = ANY($3::text[])`,
      [heartbeat.tenantId, heartbeat.gatewayId, approved.map((d) => d.deviceSerial)],
    );
    const before = new Map(previous.map((p) => [p.device_serial, p]));
    const gaps: ContactGap[] = [];
    const unreachableSince: (string | null)[] = [];
    for (const device of approved) {
      const prior = before.get(device.deviceSerial);
      if (prior && new Date(prior.heartbeat_sent_at) >= sentAt) {
        unreachableSince.push(prior.unreachable_since ? new Date(prior.unreachable_since).toISOString() : null); // an old heartbeat replayed
        continue;
      }
      if (prior) {
        const silentMs = sentAt.getTime() - new Date(prior.heartbeat_sent_at).getTime();
        if (silentMs > SILENT_AFTER_PERIODS * prior.heartbeat_interval_s * 1000) {
          gaps.push({ deviceSerial: device.deviceSerial, from: new Date(prior.heartbeat_sent_at), to: sentAt });
        }
        if (device.reachable && prior.unreachable_since) {
          gaps.push({ deviceSerial: device.deviceSerial, from: new Date(prior.unreachable_since), to: sentAt });
        }
      }
      const since = device.reachable ? null : (prior?.unreachable_since ?? (device.lastContactAt ? new Date(device.lastContactAt) : sentAt));
      unreachableSince.push(since ? new Date(since).toISOString() : null);
    }
    await this.sql.query(
      `INSERT INTO sync.gateway_device_contacts AS c
         (tenant_id, device_serial, gateway_id, site_id, protocol, reachable, last_contact_at, unreachable_since, heartbeat_sent_at, heartbeat_interval_s, backlog_count, updated_at)
       SELECT $1, serial, $2, $3, protocol, reachable, last_contact, unreachable_since, $4, $5, backlog, now()
       FROM unnest($6::text[], $7::text[], $8::boolean[], $9::timestamptz[], $10::timestamptz[], $11::integer[])
         AS t(serial, protocol, reachable, last_contact, unreachable_since, backlog)
       ON CONFLICT (tenant_id, device_serial, gateway_id) DO UPDATE SET
         site_id = EXCLUDED.site_id, protocol = EXCLUDED.protocol, reachable = EXCLUDED.reachable,
         last_contact_at = EXCLUDED.last_contact_at, unreachable_since = EXCLUDED.unreachable_since,
         heartbeat_sent_at = EXCLUDED.heartbeat_sent_at, heartbeat_interval_s = EXCLUDED.heartbeat_interval_s,
         backlog_count = EXCLUDED.backlog_count, updated_at = now()
       WHERE c.heartbeat_sent_at < EXCLUDED.heartbeat_sent_at`,
      [
        heartbeat.tenantId,
        heartbeat.gatewayId,
        heartbeat.siteId,
        sentAt.toISOString(),
        heartbeat.intervalSeconds,
        approved.map((d) => d.deviceSerial),
        approved.map((d) => d.protocol),
        approved.map((d) => d.reachable),
        approved.map((d) => d.lastContactAt),
        unreachableSince,
        approved.map((d) => d.backlogCount),
      ],
    );
    const real = gaps.filter((g) => g.from < g.to);
    if (real.length > 0) {
      await this.sql.query(
        `INSERT INTO sync.contact_gaps (tenant_id, device_serial, gateway_id, gap_from, gap_to)
         SELECT $1, serial, $2, f, t FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS x(serial, f, t)`,
        [heartbeat.tenantId, heartbeat.gatewayId, real.map((g) => g.deviceSerial), real.map((g) => g.from.toISOString()), real.map((g) => g.to.toISOString())],
      );
    }
    // A device first seen in a heartbeat starts its watermark at activation: its creation in the directory if
    // it is there, else now; never behind the site's published watermark (the contract's "never backwards").
    await this.sql.query(
      `INSERT INTO sync.device_sync_state (tenant_id, device_serial, site_id, protocol, activated_at, reconciled_up_to)
       SELECT $1, t.serial, coalesce(d.site_id, $2), t.protocol, coalesce(d.created_at, now()),
              greatest(date_trunc('hour', coalesce(d.created_at, now()), 'UTC'),
                       (SELECT complete_up_to FROM sync.site_completeness WHERE tenant_id = $1 AND site_id = coalesce(d.site_id, $2)))
       FROM unnest($3::text[], $4::text[]) AS t(serial, protocol)
       LEFT JOIN sync.devices d ON d.tenant_id = $1 AND d.serial = t.serial AND d.deleted_at IS NULL
       -- a device deleted from the directory stays out, even while a gateway still sees it
       WHERE NOT EXISTS (SELECT 1 FROM sync.devices x WHERE x.tenant_id = $1 AND x.serial = t.serial AND x.deleted_at IS NOT NULL)
       ON CONFLICT (tenant_id, device_serial) DO UPDATE SET protocol = EXCLUDED.protocol`,
      [heartbeat.tenantId, heartbeat.siteId, approved.map((d) => d.deviceSerial), approved.map((d) => d.protocol)],
    );
    return real;
  }

  /** Whether the heartbeat comes from a gateway of the directory, of the tenant it claims, not revoked. */
  async isRegisteredGateway(gatewayId: string, tenantId: string): Promise<boolean> {
    const rows = await this.sql.query('SELECT 1 FROM sync.gateways WHERE id = $1 AND tenant_id = $2 AND revoked_at IS NULL', [gatewayId, tenantId]);
    return rows.length > 0;
  }

  /**
   * The gateway to send a device's commands to: the holder of its live lease; else the gateway that most
   * recently reported it reachable and is not silent; else the directory's expected gateway.
   */
  async gatewayFor(tenantId: string, deviceSerial: string): Promise<string | null> {
    const rows = await this.sql.query<{ gateway_id: string }>(
      `SELECT gateway_id FROM (
         SELECT holder_gateway_id AS gateway_id, 1 AS rank, now() AS seen FROM sync.device_leases
           WHERE tenant_id = $1 AND device_serial = $2 AND expires_at > now()
         UNION ALL
         SELECT gateway_id, 2, heartbeat_sent_at FROM sync.gateway_device_contacts
           WHERE tenant_id = $1 AND device_serial = $2 AND reachable
             AND heartbeat_sent_at > now() - make_interval(secs => ${SILENT_AFTER_PERIODS} * heartbeat_interval_s)
         UNION ALL
         SELECT expected_gateway_id, 3, now() FROM sync.devices
           WHERE tenant_id = $1 AND serial = $2 AND deleted_at IS NULL AND expected_gateway_id IS NOT NULL
       ) candidates ORDER BY rank, seen DESC LIMIT 1`,
      [tenantId, deviceSerial],
    );
    return rows[0]?.gateway_id ?? null;
  }

  /** Whether a gateway other than `gatewayId` reports the device reachable in a fresh heartbeat. */
  async reachableElsewhere(tenantId: string, deviceSerial: string, gatewayId: string): Promise<boolean> {
    const rows = await this.sql.query(
      `SELECT 1 FROM sync.gateway_device_contacts
       WHERE tenant_id = $1 AND device_serial = $2 AND gateway_id <> $3 AND reachable
         AND heartbeat_sent_at > now() - make_interval(secs => ${SILENT_AFTER_PERIODS} * heartbeat_interval_s)
       LIMIT 1`,
      [tenantId, deviceSerial, gatewayId],
    );
    return rows.length > 0;
  }

  /** Punches of the device still waiting at the edge, as its gateways last reported (fresh heartbeats only). */
  async edgeBacklog(tenantId: string, deviceSerial: string): Promise<number> {
    const rows = await this.sql.query<{ n: string | null }>(
      `SELECT sum(backlog_count) AS n FROM sync.gateway_device_contacts
       WHERE tenant_id = $1 AND device_serial = $2
         AND heartbeat_sent_at > now() - make_interval(secs => ${SILENT_AFTER_PERIODS} * heartbeat_interval_s)`,
      [tenantId, deviceSerial],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Out-of-contact spells not yet backfilled. */
  async pendingGaps(tenantId: string, deviceSerial: string): Promise<{ id: string; from: Date; to: Date }[]> {
    const rows = await this.sql.query<{ id: string; gap_from: Date; gap_to: Date }>(
      'SELECT id, gap_from, gap_to FROM sync.contact_gaps WHERE tenant_id = $1 AND device_serial = $2 AND run_id IS NULL ORDER BY gap_from LIMIT 50',
      [tenantId, deviceSerial],
    );
    return rows.map((r) => ({ id: String(r.id), from: new Date(r.gap_from), to: new Date(r.gap_to) }));
  }

  async markGapsScheduled(ids: readonly string[], runId: string): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.query('UPDATE sync.contact_gaps SET run_id = $1 WHERE id = ANY($2::bigint[])', [runId, ids]);
  }
}

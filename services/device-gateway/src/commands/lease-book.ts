import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface DeviceLease {
  deviceSerial: string;
  leaseId: string;
  fencingToken: number;
  expiresAt: string;
  revokedAt: string | null;
}

export type LeaseChange = { ok: true; lease: DeviceLease } | { ok: false; reason: 'stale-fencing-token'; held: DeviceLease };

/**
 * Pull leases (DESIGN.md 6, "several gateways, one device"): sync-coordinator grants one gateway the right to
 * pull a device until `expiresAt`, with a fencing token that only grows. A grant or revoke older than the
 * token we hold is refused, so a delayed message cannot take a lease back or hand out an old one. With
 * LEASES_REQUIRED=false (single-gateway sites) every configured device may be pulled.
 */
export class LeaseBook {
  private readonly getStmt: Statement<[string], Record<string, unknown>>;
  private readonly upsertStmt: Statement;
  private readonly revokeStmt: Statement;
  private readonly listeners = new Set<() => void>();

  constructor(
    db: EdgeDatabase,
    readonly required: boolean,
  ) {
    this.getStmt = db.prepare('SELECT * FROM device_lease WHERE device_serial = ?');
    this.upsertStmt = db.prepare(
      `INSERT INTO device_lease (device_serial, lease_id, fencing_token, expires_at, revoked_at, updated_at)
       VALUES (@serial, @leaseId, @token, @expiresAt, NULL, @now)
       ON CONFLICT(device_serial) DO UPDATE SET lease_id = excluded.lease_id, fencing_token = excluded.fencing_token,
         expires_at = excluded.expires_at, revoked_at = NULL, updated_at = excluded.updated_at`,
    );
    this.revokeStmt = db.prepare('UPDATE device_lease SET revoked_at = @now, fencing_token = @token, updated_at = @now WHERE device_serial = @serial');
  }

  get(serial: string): DeviceLease | null {
    const row = this.getStmt.get(serial);
    if (!row) return null;
    return {
      deviceSerial: row.device_serial as string,
      leaseId: row.lease_id as string,
      fencingToken: row.fencing_token as number,
      expiresAt: row.expires_at as string,
      revokedAt: (row.revoked_at as string | null) ?? null,
    };
  }

  /** True while this gateway holds an unexpired, unrevoked lease on the device. */
  holds(serial: string, now = new Date()): boolean {
    const lease = this.get(serial);
    return lease !== null && lease.revokedAt === null && Date.parse(lease.expiresAt) > now.getTime();
  }

  /** Whether the device may be pulled now. */
  allows(serial: string, now = new Date()): boolean {
    return !this.required || this.holds(serial, now);
  }

  grant(input: { serial: string; leaseId: string; fencingToken: number; expiresAt: string }, now = new Date()): LeaseChange {
    const held = this.get(input.serial);
    if (held && input.fencingToken < held.fencingToken) return { ok: false, reason: 'stale-fencing-token', held };
    this.upsertStmt.run({ serial: input.serial, leaseId: input.leaseId, token: input.fencingToken, expiresAt: input.expiresAt, now: now.toISOString() });
    this.changed();
    return { ok: true, lease: this.get(input.serial)! };
  }

  revoke(input: { serial: string; fencingToken: number }, now = new Date()): LeaseChange | { ok: true; lease: null } {
    const held = this.get(input.serial);
    if (!held) return { ok: true, lease: null };
    if (input.fencingToken < held.fencingToken) return { ok: false, reason: 'stale-fencing-token', held };
    this.revokeStmt.run({ serial: input.serial, token: input.fencingToken, now: now.toISOString() });
    this.changed();
    return { ok: true, lease: this.get(input.serial)! };
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';
import type { UserRecord } from './operlog-parser';

export interface AdmsDeviceUser {
  deviceSerial: string;
  pin: string;
  name: string | null;
  privilege: string | null;
  card: string | null;
  group: string | null;
  updatedAt: string;
}

/** The `adms_device_user` table: users as each device reports them in OPERLOG (latest record wins). */
export class AdmsDeviceUserRepository {
  private readonly upsertStmt: Statement;
  private readonly listStmt: Statement<[string], Record<string, unknown>>;

  constructor(db: EdgeDatabase) {
    this.upsertStmt = db.prepare(
      `INSERT INTO adms_device_user (device_serial, pin, name, privilege, card, user_group, raw_line, updated_at)
       VALUES (@serial, @pin, @name, @privilege, @card, @group, @rawLine, @now)
       ON CONFLICT(device_serial, pin) DO UPDATE SET name = excluded.name, privilege = excluded.privilege,
         card = excluded.card, user_group = excluded.user_group, raw_line = excluded.raw_line, updated_at = excluded.updated_at`,
    );
    this.listStmt = db.prepare('SELECT * FROM adms_device_user WHERE device_serial = ? ORDER BY pin');
  }

  upsert(serial: string, user: UserRecord, now: string): void {
    this.upsertStmt.run({ serial, pin: user.pin, name: user.name, privilege: user.privilege, card: user.card, group: user.group, rawLine: user.rawLine, now });
  }

  list(serial: string): AdmsDeviceUser[] {
    return this.listStmt.all(serial).map((row) => ({
      deviceSerial: row.device_serial as string,
      pin: row.pin as string,
      name: (row.name as string | null) ?? null,
      privilege: (row.privilege as string | null) ?? null,
      card: (row.card as string | null) ?? null,
      group: (row.user_group as string | null) ?? null,
      updatedAt: row.updated_at as string,
    }));
  }
}

import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface AdmsDeviceInfo {
  deviceSerial: string;
  pushGeneration: '2' | '3' | null;
  firmware: string | null;
  userCount: number | null;
  fingerprintCount: number | null;
  recordCount: number | null;
  faceCount: number | null;
  recordsMax: number | null;
  options: Record<string, string>;
  updatedAt: string;
}

type InfoPatch = Partial<Omit<AdmsDeviceInfo, 'deviceSerial' | 'updatedAt' | 'options'>>;

/** The `adms_device_info` table: what each ADMS device says about itself (INFO=, options, PUSH generation). */
export class AdmsDeviceInfoRepository {
  private readonly ensureStmt: Statement;
  private readonly getStmt: Statement<[string], Record<string, unknown>>;
  private readonly patchStmt: Statement;
  private readonly optionsStmt: Statement;

  constructor(db: EdgeDatabase) {
    this.ensureStmt = db.prepare('INSERT INTO adms_device_info (device_serial, updated_at) VALUES (?, ?) ON CONFLICT(device_serial) DO NOTHING');
    this.getStmt = db.prepare('SELECT * FROM adms_device_info WHERE device_serial = ?');
    // NULL in the patch keeps the stored value: a partial report never erases what an earlier one said.
    this.patchStmt = db.prepare(
      `UPDATE adms_device_info SET
         push_generation = COALESCE(@pushGeneration, push_generation), firmware = COALESCE(@firmware, firmware),
         user_count = COALESCE(@userCount, user_count), fingerprint_count = COALESCE(@fingerprintCount, fingerprint_count),
         record_count = COALESCE(@recordCount, record_count), face_count = COALESCE(@faceCount, face_count),
         records_max = COALESCE(@recordsMax, records_max), updated_at = @now
       WHERE device_serial = @serial`,
    );
    this.optionsStmt = db.prepare('UPDATE adms_device_info SET options = ?, updated_at = ? WHERE device_serial = ?');
  }

  get(serial: string): AdmsDeviceInfo | null {
    const row = this.getStmt.get(serial);
    if (!row) return null;
    const num = (k: string) => (row[k] as number | null) ?? null;
    return {
      deviceSerial: row.device_serial as string,
      pushGeneration: (row.push_generation as '2' | '3' | null) ?? null,
      firmware: (row.firmware as string | null) ?? null,
      userCount: num('user_count'),
      fingerprintCount: num('fingerprint_count'),
      recordCount: num('record_count'),
      faceCount: num('face_count'),
      recordsMax: num('records_max'),
      options: row.options ? (JSON.parse(row.options as string) as Record<string, string>) : {},
      updatedAt: row.updated_at as string,
    };
  }

  patch(serial: string, patch: InfoPatch, now: string): void {
    this.ensureStmt.run(serial, now);
    this.patchStmt.run({
      serial,
      now,
      pushGeneration: patch.pushGeneration ?? null,
      firmware: patch.firmware ?? null,
      userCount: patch.userCount ?? null,
      fingerprintCount: patch.fingerprintCount ?? null,
      recordCount: patch.recordCount ?? null,
      faceCount: patch.faceCount ?? null,
      recordsMax: patch.recordsMax ?? null,
    });
  }

  /** Merges newly pushed options over the stored ones. */
  mergeOptions(serial: string, options: Record<string, string>, now: string): Record<string, string> {
    this.ensureStmt.run(serial, now);
    const merged = { ...(this.get(serial)?.options ?? {}), ...options };
    this.optionsStmt.run(JSON.stringify(merged), now, serial);
    return merged;
  }
}

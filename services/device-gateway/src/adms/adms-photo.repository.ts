import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from '../store/edge-database';

export interface NewAdmsPhoto {
  deviceSerial: string;
  rawRequestId: number;
  fileName: string | null;
  declaredSize: number | null;
  image: Buffer;
  receivedAt: string;
}

/** The `adms_photo` table: ATTPHOTO images kept when the policy is `store`. */
export class AdmsPhotoRepository {
  private readonly insertStmt: Statement;

  constructor(db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT INTO adms_photo (device_serial, raw_request_id, file_name, declared_size, image, received_at)
       VALUES (@deviceSerial, @rawRequestId, @fileName, @declaredSize, @image, @receivedAt)`,
    );
  }

  insert(photo: NewAdmsPhoto): number {
    return Number(this.insertStmt.run(photo).lastInsertRowid);
  }
}

/**
 * CMD_GET_FREE_SIZES reply (brief §2.5 step 1; zk-protocol terminal.md "Get Device Status"): 20 little-endian
 * i32 fields, optionally followed by a 12-byte face tail. Index 8 (attendance records) is what the completeness
 * check compares a bulk read against; 16 and 19 (capacity, available) feed the capacity alerts (P8).
 * Newer firmware sends longer replies (pyzk#170 saw 112 bytes); extra bytes are kept in `fields`, never
 * rejected.
 */
export interface ZkFreeSizes {
  users: number;
  fingerprints: number;
  /** Attendance records currently stored: the expected count of a bulk read. */
  records: number;
  /** Index 10: operation log count per zk-protocol ("dummy" in pyzk). */
  operationLogs: number;
  /** Index 12: pyzk calls it cards, zk-protocol admins; informational only. */
  cardsOrAdmins: number;
  fingerprintCapacity: number;
  userCapacity: number;
  recordCapacity: number;
  fingerprintsAvailable: number;
  usersAvailable: number;
  recordsAvailable: number;
  /** From the optional 12-byte tail; null when the device sent none. */
  faces: number | null;
  faceCapacity: number | null;
  /** Every i32 of the reply, in order, for telemetry and firmware forensics. */
  fields: number[];
}

export type ZkFreeSizesDecode = { ok: true; sizes: ZkFreeSizes } | { ok: false; reason: 'too-short'; length: number };

const BASE_FIELDS = 20;

export function decodeZkFreeSizes(data: Buffer): ZkFreeSizesDecode {
  if (data.length < BASE_FIELDS * 4) return { ok: false, reason: 'too-short', length: data.length };
  const fields: number[] = [];
  for (let offset = 0; offset + 4 <= data.length; offset += 4) fields.push(data.readInt32LE(offset));
  const at = (i: number) => fields[i] ?? 0;
  const hasFaces = data.length >= (BASE_FIELDS + 3) * 4;
  return {
    ok: true,
    sizes: {
      users: at(4),
      fingerprints: at(6),
      records: at(8),
      operationLogs: at(10),
      cardsOrAdmins: at(12),
      fingerprintCapacity: at(14),
      userCapacity: at(15),
      recordCapacity: at(16),
      fingerprintsAvailable: at(17),
      usersAvailable: at(18),
      recordsAvailable: at(19),
      faces: hasFaces ? at(20) : null,
      faceCapacity: hasFaces ? at(22) : null,
      fields,
    },
  };
}

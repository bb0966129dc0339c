/**
 * What ADMS devices say about themselves (device-protocols.md §1.6, SPEC §8, §9):
 * - `GET /iclock/getrequest?SN=..&INFO=Ver 2.0.12-20150625,0,0,0,192.168.16.27,10,7,15,0,111`: firmware, user
 *   count, fingerprint count, attendance record count, IP, FP algorithm, face algorithm, faces per enrollment,
 *   face count, feature bits;
 * - `POST /iclock/cdata?SN=..&table=options` with body `k=v,k=v,...` (also the `INFO` command's key=value lines).
 */
export interface DeviceInfo {
  firmware: string | null;
  userCount: number | null;
  fingerprintCount: number | null;
  recordCount: number | null;
  ipAddress: string | null;
  faceCount: number | null;
}

export function parseInfoParameter(info: string): DeviceInfo {
  const values = info.split(',').map((v) => v.trim());
  const count = (index: number) => {
    const v = values[index];
    return v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : null;
  };
  return {
    firmware: values[0] ? values[0].slice(0, 128) : null,
    userCount: count(1),
    fingerprintCount: count(2),
    recordCount: count(3),
    ipAddress: values[4] ? values[4].slice(0, 64) : null,
    faceCount: count(8),
  };
}

/** `k=v,k=v` (options push) or `k=v` lines (INFO result); keys keep their `~` prefix. */
export function parseOptionsBody(text: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const part of text.split(/[,\r\n]+/)) {
    const eq = part.indexOf('=');
    if (eq > 0) options[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return options;
}

/**
 * Attendance-log capacity and use from device options, when the firmware reports them: `~MaxAttLogCount`
 * (units of 10,000 records on ZK firmware when small, e.g. 10 = 100,000 [INFERRED]) or `MaxAttLogCount`,
 * and `TransactionCount` / `AttLogCount` for the records used.
 */
export function capacityFromOptions(options: Record<string, string>): { recordsUsed: number | null; recordsMax: number | null } {
  const num = (...keys: string[]) => {
    for (const key of keys) {
      const v = options[key];
      if (v !== undefined && /^\d{1,10}$/.test(v)) return Number(v);
    }
    return null;
  };
  const rawMax = num('~MaxAttLogCount', 'MaxAttLogCount', 'MaxAttLog');
  const recordsMax = rawMax === null || rawMax === 0 ? null : rawMax < 1000 ? rawMax * 10_000 : rawMax;
  return { recordsUsed: num('TransactionCount', 'AttLogCount', '~AttLogCount'), recordsMax };
}

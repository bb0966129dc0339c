import { decodeZkAttendanceRecord, isSupportedZkRecordSize, type ZkAttendanceRecord, type ZkRecordDecodeOptions } from './zk-attendance-record';

/**
 * The attendance dataset returned by a buffered read (brief §2.5 step 6): `u32 totalSize` followed by
 * totalSize bytes of fixed-size records. The record size is `totalSize / recordCount` from GET_FREE_SIZES
 * (pyzk), which is exact when nothing changed between the two requests. When a punch landed in between, the
 * division is not exact; then the size that divides totalSize with a count nearest the expected one is used.
 *
 * Pure and total: anything short, long or undecidable is reported as an issue, with the bytes of a cut-off
 * record kept, and whatever whole records are present are still decoded. An issue means the read is not
 * complete; nothing is dropped silently.
 */
export type ZkDatasetIssue =
  | { code: 'missing-size-header'; bytes: number }
  | { code: 'body-shorter-than-declared'; declared: number; actual: number }
  | { code: 'body-longer-than-declared'; declared: number; actual: number }
  | { code: 'record-size-unknown'; declared: number; expectedCount: number }
  | { code: 'truncated-record'; bytes: number; hex: string };

export interface ZkAttendanceDataset {
  records: ZkAttendanceRecord[];
  recordSize: number | null;
  recordSizeSource: 'configured' | 'count' | 'inferred' | null;
  /** totalSize from the dataset header; null when the header itself is missing. */
  declaredBytes: number | null;
  issues: ZkDatasetIssue[];
}

export interface ZkDatasetDecodeOptions extends ZkRecordDecodeOptions {
  /** Record count from GET_FREE_SIZES just before the read. */
  expectedCount: number;
  /** Forces the record size (device config, or the size learnt on an earlier complete read). */
  recordSize?: number;
}

/** Sizes real firmware uses, most common first; the tie-breaker when several divide the dataset. */
const CANDIDATE_SIZES = [40, 49, 16, 8];

export function inferZkRecordSize(
  declaredBytes: number,
  expectedCount: number,
  configured?: number,
): { size: number; source: 'configured' | 'count' | 'inferred' } | null {
  if (configured !== undefined && isSupportedZkRecordSize(configured)) return { size: configured, source: 'configured' };
  if (declaredBytes === 0) return null;
  if (expectedCount > 0 && declaredBytes % expectedCount === 0 && isSupportedZkRecordSize(declaredBytes / expectedCount)) {
    return { size: declaredBytes / expectedCount, source: 'count' };
  }
  const fits = CANDIDATE_SIZES.filter((size) => declaredBytes % size === 0).map((size) => ({ size, distance: Math.abs(declaredBytes / size - expectedCount) }));
  const best = Math.min(...fits.map((f) => f.distance));
  const nearest = fits.filter((f) => f.distance === best);
  // Two sizes equally near (only possible for tiny or empty logs) is a guess we do not make.
  return nearest.length === 1 ? { size: nearest[0]!.size, source: 'inferred' } : null;
}

export function decodeZkAttendanceDataset(buffer: Buffer, options: ZkDatasetDecodeOptions): ZkAttendanceDataset {
  const issues: ZkDatasetIssue[] = [];
  if (buffer.length < 4) {
    issues.push({ code: 'missing-size-header', bytes: buffer.length });
    return { records: [], recordSize: null, recordSizeSource: null, declaredBytes: null, issues };
  }
  const declaredBytes = buffer.readUInt32LE(0);
  const body = buffer.subarray(4);
  if (body.length < declaredBytes) issues.push({ code: 'body-shorter-than-declared', declared: declaredBytes, actual: body.length });
  if (body.length > declaredBytes) issues.push({ code: 'body-longer-than-declared', declared: declaredBytes, actual: body.length });
  const usable = body.subarray(0, Math.min(body.length, declaredBytes));

  const inferred = inferZkRecordSize(declaredBytes, options.expectedCount, options.recordSize);
  if (inferred === null) {
    if (declaredBytes > 0) issues.push({ code: 'record-size-unknown', declared: declaredBytes, expectedCount: options.expectedCount });
    return { records: [], recordSize: null, recordSizeSource: null, declaredBytes, issues };
  }

  const { size } = inferred;
  const records: ZkAttendanceRecord[] = [];
  const whole = Math.floor(usable.length / size);
  for (let i = 0; i < whole; i++) {
    const record = decodeZkAttendanceRecord(usable.subarray(i * size, (i + 1) * size), i, options);
    if (record) records.push(record);
  }
  const tail = usable.subarray(whole * size);
  if (tail.length > 0) issues.push({ code: 'truncated-record', bytes: tail.length, hex: tail.toString('hex') });
  return { records, recordSize: size, recordSizeSource: inferred.source, declaredBytes, issues };
}

export function describeZkDatasetIssue(issue: ZkDatasetIssue): string {
  switch (issue.code) {
    case 'missing-size-header':
      return `dataset has ${issue.bytes} bytes, fewer than its 4-byte size header`;
    case 'body-shorter-than-declared':
      return `dataset declares ${issue.declared} bytes but only ${issue.actual} arrived`;
    case 'body-longer-than-declared':
      return `dataset declares ${issue.declared} bytes but ${issue.actual} arrived`;
    case 'record-size-unknown':
      return `cannot tell the record size of ${issue.declared} bytes for ${issue.expectedCount} records`;
    case 'truncated-record':
      return `last record is cut off after ${issue.bytes} bytes`;
  }
}

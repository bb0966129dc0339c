/**
 * Parser of ZK PUSH ATTLOG bodies (device-protocols.md §1.4): one record per line, fields separated by TAB:
 *   PIN, Time (local, `YYYY-MM-DD HH:MM:SS`), Status, Verify, Workcode, Reserved, Reserved, [firmware extras...]
 * Pure and total: every line comes back either parsed or rejected with a reason and its exact bytes, so the
 * caller can quarantine it; nothing throws and nothing is dropped (blank lines carry no record).
 */
export interface AttlogRecord {
  lineNumber: number;
  rawLine: Buffer;
  deviceUserId: string;
  /** As sent by the device: `YYYY-MM-DD HH:MM:SS`, zone-less. */
  localTime: string;
  statusCode: string | null;
  verifyCode: string | null;
  workCode: string | null;
  /** Fields after the two reserved ones (newer firmware: mask flag, temperature, ...), kept verbatim. */
  extraFields: string[];
}

export type AttlogRejectReason = 'missing-user-id' | 'missing-time' | 'malformed-time' | 'invalid-date';

export interface AttlogRejectedLine {
  lineNumber: number;
  rawLine: Buffer;
  reason: AttlogRejectReason;
  detail: string;
}

export interface AttlogParseResult {
  records: AttlogRecord[];
  rejected: AttlogRejectedLine[];
}

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const NEWLINE = 0x0a;

export function parseAttlogBody(body: Buffer): AttlogParseResult {
  const result: AttlogParseResult = { records: [], rejected: [] };
  let start = 0;
  let lineNumber = 0;
  while (start <= body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end === -1) end = body.length;
    lineNumber++;
    const rawLine = body.subarray(start, end);
    start = end + 1;
    const text = rawLine.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') continue;
    const parsed = parseAttlogLine(text, lineNumber, Buffer.from(rawLine));
    if ('reason' in parsed) result.rejected.push(parsed);
    else result.records.push(parsed);
  }
  return result;
}

function parseAttlogLine(text: string, lineNumber: number, rawLine: Buffer): AttlogRecord | AttlogRejectedLine {
  const reject = (reason: AttlogRejectReason, detail: string): AttlogRejectedLine => ({ lineNumber, rawLine, reason, detail });
  const fields = splitFields(text);
  const deviceUserId = (fields[0] ?? '').trim();
  if (deviceUserId === '') return reject('missing-user-id', 'the PIN field is empty');
  const localTime = (fields[1] ?? '').trim();
  if (localTime === '') return reject('missing-time', 'the time field is missing');
  const match = TIME_PATTERN.exec(localTime);
  if (!match) return reject('malformed-time', `time "${localTime.slice(0, 40)}" is not YYYY-MM-DD HH:MM:SS`);
  if (!isRealDateTime(match)) return reject('invalid-date', `time "${localTime}" is not a real calendar date and time`);
  return {
    lineNumber,
    rawLine,
    deviceUserId,
    localTime,
    statusCode: emptyToNull(fields[2]),
    verifyCode: emptyToNull(fields[3]),
    workCode: emptyToNull(fields[4]),
    extraFields: fields.slice(7),
  };
}

/**
 * TAB is the wire format. Some firmware and copied documentation use spaces instead; then the timestamp
 * itself (which contains one space) is rejoined. PINs never contain spaces.
 */
function splitFields(text: string): string[] {
  if (text.includes('\t')) return text.split('\t');
  const tokens = text.trim().split(/ +/);
  if (tokens.length >= 3 && /^\d{4}-\d{2}-\d{2}$/.test(tokens[1]!)) {
    return [tokens[0]!, `${tokens[1]} ${tokens[2]}`, ...tokens.slice(3)];
  }
  return tokens;
}

function isRealDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function emptyToNull(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

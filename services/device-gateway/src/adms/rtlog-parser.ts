import type { AttlogRecord, AttlogRejectedLine } from './attlog-parser';

/**
 * Parser of PUSH 3.x ("Security PUSH") realtime logs, `POST /iclock/cdata?SN=..&table=rtlog`
 * (device-protocols.md §1.9): one event per line, TAB-separated `key=value` fields in this order:
 *   time=2024-05-01 08:00:00\tpin=12\tcardno=0\teventaddr=1\tevent=0\tinoutstatus=0\tverifytype=1\tindex=57
 * Attendance records become the same AttlogRecord shape as 2.x ATTLOG lines, so they take the same durable
 * path (punch builder, outbox, quarantine). Door and alarm events (no user, or an event code that is not a
 * verified pass) are not punches: they are kept in the raw request and counted as acknowledged.
 * Pure and total: every non-blank line is a record, a non-punch event, or rejected with a reason.
 */
export interface RtlogParseResult {
  records: (AttlogRecord & { eventCode: string | null; logIndex: string | null })[];
  /** Events that are not attendance (door opened, alarm, unregistered card...): acknowledged, kept raw. */
  nonPunchEvents: number;
  rejected: AttlogRejectedLine[];
}

/**
 * Security PUSH event codes of a verified person (normal verify open, verify during a normal-open period,
 * first-card and multi-card opens, fingerprint/card combinations). [INFERRED from ZK access-control event
 * tables; confirm on hardware]
 */
export const RTLOG_PASS_EVENTS: ReadonlySet<string> = new Set(['0', '1', '2', '3', '4', '14', '15', '16', '17', '18', '19', '26']);

const TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const NEWLINE = 0x0a;

export function parseRtlogBody(body: Buffer): RtlogParseResult {
  const result: RtlogParseResult = { records: [], nonPunchEvents: 0, rejected: [] };
  let start = 0;
  let lineNumber = 0;
  while (start <= body.length) {
    let end = body.indexOf(NEWLINE, start);
    if (end === -1) end = body.length;
    lineNumber++;
    const rawLine = Buffer.from(body.subarray(start, end));
    start = end + 1;
    const text = rawLine.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') continue;
    const reject = (reason: AttlogRejectedLine['reason'], detail: string) => result.rejected.push({ lineNumber, rawLine, reason, detail });
    const fields = new Map<string, string>();
    for (const part of text.split('\t')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const time = fields.get('time') ?? '';
    const pin = fields.get('pin') ?? '';
    const event = fields.get('event') ?? null;
    if (fields.size === 0) {
      reject('missing-time', `no key=value fields in "${text.slice(0, 40)}"`);
      continue;
    }
    if (time === '') {
      reject('missing-time', 'the time= field is missing');
      continue;
    }
    const match = TIME_PATTERN.exec(time);
    if (!match) {
      reject('malformed-time', `time "${time.slice(0, 40)}" is not YYYY-MM-DD HH:MM:SS`);
      continue;
    }
    if (!isRealDateTime(match)) {
      reject('invalid-date', `time "${time}" is not a real calendar date and time`);
      continue;
    }
    if (pin === '' || pin === '0' || (event !== null && !RTLOG_PASS_EVENTS.has(event))) {
      result.nonPunchEvents++;
      continue;
    }
    result.records.push({
      lineNumber,
      rawLine,
      deviceUserId: pin,
      localTime: time,
      statusCode: emptyToNull(fields.get('inoutstatus')),
      verifyCode: emptyToNull(fields.get('verifytype')),
      workCode: null,
      extraFields: [],
      eventCode: event,
      logIndex: emptyToNull(fields.get('index')),
    });
  }
  return result;
}

function isRealDateTime(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (hour > 23 || minute > 59 || second > 59 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function emptyToNull(value: string | undefined): string | null {
  return value ? value : null;
}

/**
 * Parser of ZK PUSH OPERLOG bodies (device-protocols.md §1.6, SPEC §11.4, §11.5, §11.9). One record per line,
 * its kind named by a first word followed by a space:
 *   OPLOG <OpType>\t<OpWho>\t<OpTime>\t<Value1>\t<Value2>\t<Value3>\t<Reserved>
 *   USER PIN=..\tName=..\tPri=..\tPasswd=..\tCard=..\tGrp=..\tTZ=..\tVerify=..\tViceCard=..
 *   FP PIN=..\tFID=..\tSize=..\tValid=..\tTMP=..       (templates: acknowledged and kept raw, not parsed)
 * Pure and total: every non-blank line comes back as a record or rejected with a reason and its exact bytes.
 */
export interface OplogRecord {
  kind: 'oplog';
  lineNumber: number;
  rawLine: Buffer;
  operationCode: string;
  /** OpWho: the admin/user id that did it on the device; null when empty. */
  operator: string | null;
  /** OpTime as sent (`YYYY-MM-DD HH:MM:SS`), or null when it is not a valid time. */
  localTime: string | null;
  values: string[];
}

export interface UserRecord {
  kind: 'user';
  lineNumber: number;
  rawLine: Buffer;
  pin: string;
  name: string | null;
  privilege: string | null;
  card: string | null;
  group: string | null;
  fields: Record<string, string>;
}

/** Biometric templates and pictures: acknowledged and kept in the raw request, nothing to forward. */
export interface OtherOperlogRecord {
  kind: 'other';
  lineNumber: number;
  rawLine: Buffer;
  type: string;
}

export type OperlogRecord = OplogRecord | UserRecord | OtherOperlogRecord;

export interface OperlogRejectedLine {
  lineNumber: number;
  rawLine: Buffer;
  reason: 'unparsable-line' | 'invalid-field';
  detail: string;
}

export interface OperlogParseResult {
  records: OperlogRecord[];
  rejected: OperlogRejectedLine[];
}

/** Record types other than OPLOG/USER that firmware sends on table=OPERLOG (SPEC §11.6-§11.12). */
const KEPT_RAW_TYPES = new Set(['FP', 'FACE', 'USERPIC', 'BIOPHOTO', 'BIODATA', 'FVEIN', 'IDCARD', 'WORKCODE', 'SMS', 'USER_SMS', 'ERRORLOG']);
const TIME_PATTERN = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const NEWLINE = 0x0a;

export function parseOperlogBody(body: Buffer): OperlogParseResult {
  const result: OperlogParseResult = { records: [], rejected: [] };
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
    const parsed = parseLine(text, lineNumber, rawLine);
    if ('reason' in parsed) result.rejected.push(parsed);
    else result.records.push(parsed);
  }
  return result;
}

function parseLine(text: string, lineNumber: number, rawLine: Buffer): OperlogRecord | OperlogRejectedLine {
  const reject = (reason: OperlogRejectedLine['reason'], detail: string): OperlogRejectedLine => ({ lineNumber, rawLine, reason, detail });
  const match = /^([A-Z_]+)[ \t]+(.*)$/s.exec(text.trimStart());
  if (!match) return reject('unparsable-line', `no record type in "${text.slice(0, 40)}"`);
  const [, type, rest] = match as unknown as [string, string, string];
  if (type === 'OPLOG') return parseOplog(rest, lineNumber, rawLine, reject);
  if (type === 'USER') return parseUser(rest, lineNumber, rawLine, reject);
  if (KEPT_RAW_TYPES.has(type)) return { kind: 'other', lineNumber, rawLine, type };
  return reject('unparsable-line', `unknown OPERLOG record type "${type.slice(0, 20)}"`);
}

function parseOplog(rest: string, lineNumber: number, rawLine: Buffer, reject: (r: OperlogRejectedLine['reason'], d: string) => OperlogRejectedLine): OplogRecord | OperlogRejectedLine {
  const fields = splitOplogFields(rest);
  const operationCode = (fields[0] ?? '').trim();
  if (!/^\d{1,5}$/.test(operationCode)) return reject('invalid-field', `OpType "${operationCode.slice(0, 20)}" is not a number`);
  const operator = (fields[1] ?? '').trim();
  const time = (fields[2] ?? '').trim();
  return {
    kind: 'oplog',
    lineNumber,
    rawLine,
    operationCode,
    operator: operator === '' ? null : operator,
    localTime: TIME_PATTERN.test(time) ? time : null,
    values: fields.slice(3).map((v) => v.trim()),
  };
}

/** TAB on the wire; copies of the SPEC show spaces, and then the time's own space is rejoined. */
function splitOplogFields(rest: string): string[] {
  if (rest.includes('\t')) return rest.split('\t');
  const tokens = rest.trim().split(/ +/);
  if (tokens.length >= 4 && /^\d{4}-\d{2}-\d{2}$/.test(tokens[2]!)) return [tokens[0]!, tokens[1]!, `${tokens[2]} ${tokens[3]}`, ...tokens.slice(4)];
  return tokens;
}

function parseUser(rest: string, lineNumber: number, rawLine: Buffer, reject: (r: OperlogRejectedLine['reason'], d: string) => OperlogRejectedLine): UserRecord | OperlogRejectedLine {
  const fields: Record<string, string> = {};
  for (const part of rest.split('\t')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  const pin = (fields.PIN ?? '').trim();
  if (pin === '') return reject('invalid-field', 'USER record without PIN=');
  const value = (key: string) => {
    const v = fields[key];
    return v === undefined || v === '' ? null : v;
  };
  return { kind: 'user', lineNumber, rawLine, pin, name: value('Name'), privilege: value('Pri'), card: value('Card'), group: value('Grp'), fields };
}

/** OPLOG operation codes worth an operator's attention (SPEC Appendix 3), as device-event audit operations. */
export const AUDIT_OPERATIONS: Readonly<Record<string, 'time-set' | 'logs-deleted' | 'data-cleared'>> = {
  '13': 'data-cleared',
  '21': 'time-set',
  '23': 'logs-deleted',
};

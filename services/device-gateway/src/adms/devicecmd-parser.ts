/**
 * Parser of `POST /iclock/devicecmd` bodies (device-protocols.md §1.8): the device answers the commands we
 * handed out on getrequest, usually several per request, in one of two shapes:
 *   ID=info8487&Return=0&CMD=DATA                  one record per line, fields joined by `&`
 *   ID=32\nReturn=0\nCMD=Shell\nContent=...        one field per line (Shell, INFO: `CMD=INFO\nkey=value...`)
 * A record starts at a line beginning with `ID=`. Lines that follow it belong to it: `key=value` lines add
 * fields, other lines continue the previous field's value (multi-line `Content=`).
 * Pure and total: every non-blank byte ends up in a record or in `rejected` with a reason; nothing throws.
 */
export interface DevicecmdResult {
  /** The CmdID as sent back by the device (ours are digits, but the device may echo anything). */
  id: string;
  returnCode: number;
  /** Every field of the record (ID, Return, CMD, AttlogSum, INFO keys, ...), as sent. */
  body: Record<string, string>;
  /** The record's text exactly as sent (lines joined by LF). */
  raw: string;
}

export interface DevicecmdRejected {
  lineNumber: number;
  raw: Buffer;
  reason: 'no-command-id' | 'invalid-return-code';
  detail: string;
}

export interface DevicecmdParseResult {
  results: DevicecmdResult[];
  rejected: DevicecmdRejected[];
}

const FIELD_KEY = /^[A-Za-z~_][\w~.-]*$/;

interface PendingRecord {
  lineNumber: number;
  lines: string[];
  fields: Record<string, string>;
  lastKey: string | null;
}

export function parseDevicecmdBody(body: Buffer): DevicecmdParseResult {
  const result: DevicecmdParseResult = { results: [], rejected: [] };
  const lines = body.toString('utf8').split('\n').map((line) => line.replace(/\r$/, ''));
  let current: PendingRecord | null = null;
  let orphan: { lineNumber: number; lines: string[] } | null = null;

  const flushOrphan = () => {
    if (orphan) {
      result.rejected.push({ lineNumber: orphan.lineNumber, raw: Buffer.from(orphan.lines.join('\n')), reason: 'no-command-id', detail: 'text before any ID= record' });
      orphan = null;
    }
  };
  const flushRecord = () => {
    if (current) result.results.push(...finishRecord(current, result.rejected));
    current = null;
  };

  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.startsWith('ID=')) {
      flushRecord();
      flushOrphan();
      current = { lineNumber, lines: [line], fields: {}, lastKey: null };
      for (const part of line.split('&')) addField(current, part, true);
      return;
    }
    if (current) {
      current.lines.push(line);
      if (line.trim() !== '') addField(current, line, false);
      return;
    }
    if (line.trim() === '') return;
    orphan ??= { lineNumber, lines: [] };
    orphan.lines.push(line);
  });
  flushRecord();
  flushOrphan();
  return result;
}

function addField(record: PendingRecord, text: string, fromIdLine: boolean): void {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  if (eq > 0 && FIELD_KEY.test(key) && (fromIdLine || record.lastKey !== 'Content' || isKnownResultKey(key))) {
    record.fields[key] = text.slice(eq + 1);
    record.lastKey = key;
    return;
  }
  // A line of a multi-line value (Shell `Content=`), or a stray `&` fragment: keep it with the previous field.
  const target = record.lastKey ?? '_text';
  record.fields[target] = record.fields[target] === undefined ? text : `${record.fields[target]}${fromIdLine ? '&' : '\n'}${text}`;
  record.lastKey = target;
}

/** Keys that end a multi-line `Content=` value (it may itself contain `=` in shell output). */
function isKnownResultKey(key: string): boolean {
  return key === 'ID' || key === 'Return' || key === 'CMD';
}

function finishRecord(record: PendingRecord, rejected: DevicecmdRejected[]): DevicecmdResult[] {
  // Trailing blank lines separate records; they are not part of the record's text.
  while (record.lines.length > 1 && record.lines[record.lines.length - 1]!.trim() === '') record.lines.pop();
  const raw = record.lines.join('\n');
  const id = (record.fields.ID ?? '').trim();
  const returnText = (record.fields.Return ?? '').trim();
  if (id === '') {
    rejected.push({ lineNumber: record.lineNumber, raw: Buffer.from(raw), reason: 'no-command-id', detail: 'ID= is empty' });
    return [];
  }
  if (!/^-?\d{1,10}$/.test(returnText)) {
    rejected.push({ lineNumber: record.lineNumber, raw: Buffer.from(raw), reason: 'invalid-return-code', detail: `Return "${returnText.slice(0, 40)}" is not an integer` });
    return [];
  }
  return [{ id, returnCode: Number(returnText), body: record.fields, raw }];
}

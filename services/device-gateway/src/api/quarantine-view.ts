import type { QuarantinedLine } from '../store/quarantine.repository';

export interface QuarantineItemView {
  id: number;
  deviceSerial: string;
  rawRequestId: number;
  lineNumber: number;
  reason: string;
  detail: string;
  createdAt: string;
  /** The line exactly as the device sent it. */
  rawBase64: string;
  rawBytes: number;
  /** Readable excerpt: UTF-8, control characters shown as \xNN, cut at EXCERPT_CHARS. */
  textExcerpt: string;
}

const EXCERPT_CHARS = 200;

/** Text of raw device bytes that is safe to show: tabs stay, other control bytes become visible escapes. */
export function readableText(raw: Buffer): string {
  // eslint-disable-next-line no-control-regex
  return raw.toString('utf8').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function toQuarantineItemView(line: QuarantinedLine): QuarantineItemView {
  const text = readableText(line.rawLine);
  return {
    id: line.id,
    deviceSerial: line.deviceSerial,
    rawRequestId: line.rawRequestId,
    lineNumber: line.lineNumber,
    reason: line.reason,
    detail: line.detail,
    createdAt: line.createdAt,
    rawBase64: line.rawLine.toString('base64'),
    rawBytes: line.rawLine.length,
    textExcerpt: text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text,
  };
}

import { decodePushedAccessEvent, type HikAccessEvent } from './isapi-access-event';
import type { MultipartPart } from './multipart-stream-parser';
import { parseSimpleXml, type XmlValue } from './simple-xml';

/**
 * Classifies one pushed body (an alertStream part, an httpHosts `event_log` part, or a whole non-multipart
 * POST) as an access event, a heartbeat, another kind of event, a skipped picture, or something unreadable.
 * JSON is what the DS-K1T captures carry; XML `<EventNotificationAlert>` is accepted for devices configured
 * with `parameterFormatType=XML` and for cameras.
 */
export type PushedItem =
  | { kind: 'access-event'; event: HikAccessEvent }
  | { kind: 'heartbeat'; eventType: string | null }
  | { kind: 'other-event'; eventType: string | null }
  | { kind: 'picture'; contentType: string | null; size: number }
  | { kind: 'undecodable'; reason: string; detail: string; raw: string };

/** Longest excerpt of an unreadable body kept for the operator (quarantine, logs). */
const RAW_EXCERPT = 2048;

// [INFERRED] JSON alertStreams name their keep-alive event `heartBeat`; camera XML streams send
// `videoloss` with `eventState` `inactive` every few seconds as theirs.
function isHeartbeat(eventType: string | null, eventState: string | null): boolean {
  if (eventType === null) return false;
  const type = eventType.toLowerCase();
  return type === 'heartbeat' || type === 'heart_beat' || (type === 'videoloss' && eventState?.toLowerCase() === 'inactive');
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Classifies a decoded JSON value or XML tree (the envelope). */
export function classifyEnvelope(envelope: unknown, rawText: string): PushedItem {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    return { kind: 'undecodable', reason: 'not-an-object', detail: 'event body is not an object', raw: rawText.slice(0, RAW_EXCERPT) };
  }
  const record = envelope as Record<string, unknown>;
  const eventType = text(record['eventType']);
  if (isHeartbeat(eventType, text(record['eventState']))) return { kind: 'heartbeat', eventType };
  const decoded = decodePushedAccessEvent(record);
  if (decoded.ok) return { kind: 'access-event', event: decoded.event };
  if (decoded.reason === 'not-an-access-event') return { kind: 'other-event', eventType };
  return { kind: 'undecodable', reason: decoded.reason, detail: decoded.detail, raw: rawText.slice(0, RAW_EXCERPT) };
}

/** Decodes a text body by its media type, sniffing when the type is missing or generic. */
export function decodeEventBody(body: Buffer, contentType: string | null): PushedItem {
  const textBody = body.toString('utf8');
  const trimmed = textBody.trimStart();
  const looksXml = contentType?.includes('xml') || (!contentType?.includes('json') && trimmed.startsWith('<'));
  if (looksXml) {
    const root = parseSimpleXml(textBody);
    if (root === null) return { kind: 'undecodable', reason: 'malformed-xml', detail: 'the XML body could not be read', raw: textBody.slice(0, RAW_EXCERPT) };
    return classifyEnvelope(typeof root.value === 'string' ? null : xmlEnvelope(root.value), textBody);
  }
  let json: unknown;
  try {
    json = JSON.parse(textBody);
  } catch (error) {
    return { kind: 'undecodable', reason: 'malformed-json', detail: (error as Error).message, raw: textBody.slice(0, RAW_EXCERPT) };
  }
  return classifyEnvelope(json, textBody);
}

function xmlEnvelope(value: { [name: string]: XmlValue | XmlValue[] }): Record<string, unknown> {
  return { ...value };
}

/** Decodes one multipart part: binary parts are pictures, text parts are event bodies. */
export function decodeEventPart(part: MultipartPart): PushedItem {
  if (part.body === null) {
    if (part.skipped === 'binary') return { kind: 'picture', contentType: part.contentType, size: part.size };
    return { kind: 'undecodable', reason: `part-${part.skipped ?? 'skipped'}`, detail: `part ${part.index} (${part.size} bytes) was not kept`, raw: '' };
  }
  if (part.size === 0) return { kind: 'undecodable', reason: 'empty-part', detail: `part ${part.index} is empty`, raw: '' };
  return decodeEventBody(part.body, part.contentType);
}

import { multipartBoundary, parseHeaderValue } from './content-type';
import { decodeEventBody, decodeEventPart, type PushedItem } from './isapi-event-body';
import type { HikAccessEvent } from './isapi-access-event';
import { parseMultipartBody } from './multipart-stream-parser';

/**
 * Reads an httpHosts push request (device-protocols.md §3.4): the device POSTs `multipart/form-data` whose
 * `event_log` part is the event JSON, followed by a `Picture` part (JPEG) for face events. Pure: the HTTP
 * listener persists the raw body first, calls this, and answers 200.
 *
 * Every text part is decoded, not only the one named `event_log`, because the part name is a firmware detail;
 * a body that is not multipart at all (`application/json` or XML, seen on other configurations) is decoded
 * as a single event.
 */
export interface HttpHostsPush {
  format: 'multipart' | 'json' | 'xml' | 'unknown';
  /** Access-control events in the order received. */
  events: HikAccessEvent[];
  heartbeats: number;
  /** Events of other types (door, video, system); counted, not forwarded. */
  otherEvents: number;
  pictures: number;
  /** Parts or bodies that could not be read: the caller quarantines them with the raw request. */
  rejected: { reason: string; detail: string; raw: string }[];
  /** The multipart body ended inside a part or without its closing delimiter. */
  truncated: boolean;
}

export function parseHttpHostsPush(body: Buffer, contentType: string | null | undefined): HttpHostsPush {
  const result: HttpHostsPush = { format: 'unknown', events: [], heartbeats: 0, otherEvents: 0, pictures: 0, rejected: [], truncated: false };
  const boundary = multipartBoundary(contentType);
  if (boundary !== null) {
    result.format = 'multipart';
    const { parts, end } = parseMultipartBody(body, boundary);
    result.truncated = end.truncated || !end.closed;
    for (const part of parts) collect(result, decodeEventPart(part));
    if (parts.length === 0) result.rejected.push({ reason: 'no-parts', detail: `no part delimited by "--${boundary}"`, raw: body.subarray(0, 2048).toString('utf8') });
    return result;
  }
  const mediaType = parseHeaderValue(contentType).value;
  result.format = mediaType.includes('json') ? 'json' : mediaType.includes('xml') ? 'xml' : 'unknown';
  if (body.length === 0) {
    result.rejected.push({ reason: 'empty-body', detail: 'the push request has no body', raw: '' });
    return result;
  }
  collect(result, decodeEventBody(body, mediaType === '' ? null : mediaType));
  return result;
}

function collect(result: HttpHostsPush, item: PushedItem): void {
  switch (item.kind) {
    case 'access-event':
      result.events.push(item.event);
      break;
    case 'heartbeat':
      result.heartbeats++;
      break;
    case 'other-event':
      result.otherEvents++;
      break;
    case 'picture':
      result.pictures++;
      break;
    case 'undecodable':
      result.rejected.push({ reason: item.reason, detail: item.detail, raw: item.raw });
      break;
  }
}

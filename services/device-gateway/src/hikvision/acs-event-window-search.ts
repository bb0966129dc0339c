import { randomUUID } from 'node:crypto';
import { ACS_EVENT_SEARCH_PATH, buildAcsEventSearchBody, decodeAcsEventSearchResponse, type InvalidSearchItem } from './acs-event-search';
import { AcsEventSearchError, type IsapiTextRequester } from './acs-event-puller';
import type { HikAccessEvent } from './isapi-access-event';

export interface AcsEventWindowSearchOptions {
  /** ISO 8601 with the device's offset (`2026-04-17T00:00:00-03:00`), as ISAPI expects `startTime`/`endTime`. */
  startTime: string;
  endTime: string;
  pageSize?: number;
  maxPages?: number;
  signal?: AbortSignal;
  newSearchId?: () => string;
}

export interface AcsEventWindowResult {
  events: HikAccessEvent[];
  invalid: InvalidSearchItem[];
  pages: number;
  /** False when stopped by `maxPages`. */
  complete: boolean;
}

/**
 * Every access event the device holds with a time in [startTime, endTime], by the AcsEvent search's time
 * condition (device-protocols.md §3.2). For backfill and count commands, which name a time window; the
 * regular pull pages by serial cursor instead (acs-event-puller.ts), because device clocks jump. One search id
 * for the whole window, `searchResultPosition += numOfMatches` until the device stops saying MORE.
 */
export async function searchAcsEventWindow(client: IsapiTextRequester, options: AcsEventWindowSearchOptions): Promise<AcsEventWindowResult> {
  const searchId = (options.newSearchId ?? randomUUID)();
  const result: AcsEventWindowResult = { events: [], invalid: [], pages: 0, complete: false };
  let position = 0;
  for (;;) {
    if (result.pages >= (options.maxPages ?? 1000)) return result;
    options.signal?.throwIfAborted();
    const body = buildAcsEventSearchBody({ searchId, position, maxResults: options.pageSize ?? 30, startTime: options.startTime, endTime: options.endTime });
    const response = await client.requestText(ACS_EVENT_SEARCH_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const decoded = decodeAcsEventSearchResponse(response.status, response.text);
    if (!decoded.ok) throw new AcsEventSearchError(decoded.failure);
    const page = decoded.page;
    result.pages++;
    result.events.push(...page.events);
    result.invalid.push(...page.invalid);
    position += page.numOfMatches;
    if (page.status !== 'MORE' || page.numOfMatches === 0) {
      result.complete = true;
      return result;
    }
  }
}

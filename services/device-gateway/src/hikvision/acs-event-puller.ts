import { randomUUID } from 'node:crypto';
import { DEFAULT_HIKVISION_PUNCH_MINORS, isHikvisionPunchEvent } from '@attendance/contracts';
import {
  ACS_EVENT_SEARCH_PATH,
  OPEN_END_SERIAL_NO,
  buildAcsEventSearchBody,
  decodeAcsEventSearchResponse,
  type AcsEventSearchFailure,
  type InvalidSearchItem,
} from './acs-event-search';
import type { HikAccessEvent } from './isapi-access-event';
import { SerialTracker, type SerialGap } from './serial-tracker';

/**
 * Reads a device's access events after a serial cursor with the AcsEvent search, page by page
 * (device-protocols.md §3.2): one `searchID` per search, `searchResultPosition += numOfMatches`, until the device
 * stops saying MORE. The cursor is always a `serialNo`, never a time: device clocks jump (P5).
 *
 * It is an async generator so the caller stores each page durably before asking for the next one, and persists
 * `page.cursor` only after that: a crash then re-reads at most one page (duplicates are harmless, the punch
 * identity dedupes them) and never skips one.
 *
 * Anchor check: when resuming (cursor > 0) the first search starts *at* the cursor, not after it, so the first
 * event returned should be the one we already have. If it is not there, the device's store was cleared, reset
 * or overwritten since we last read it; serials may have restarted below our cursor and a plain
 * `beginSerialNo = cursor + 1` would return NO MATCH forever. The summary says so (`anchor: 'missing'`).
 */
export interface IsapiTextRequester {
  requestText(
    path: string,
    init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
  ): Promise<{ status: number; text: string }>;
}

export interface AcsEventPullOptions {
  /** Highest serial already stored durably; 0 when nothing was read yet (start at the device's oldest event). */
  afterSerialNo: number;
  /** `maxResults`; devices commonly cap it at 30 and answer fewer, which the paging handles. */
  pageSize?: number;
  /** `major = 5` minors that are punches (configuration; defaults to the contracts list). */
  punchMinors?: readonly number[];
  /** Pause between pages so a pull does not monopolise a small device (brief: a few hundred ms). */
  pageDelayMs?: number;
  /** Stop after this many pages in one pull; the summary says `complete: false` and the cursor resumes. */
  maxPages?: number;
  /** Searches restarted because `totalMatches` changed mid-search, before the change is accepted. */
  maxRestarts?: number;
  endSerialNo?: number;
  /** Check that the event at the cursor still exists (see above). */
  verifyAnchor?: boolean;
  signal?: AbortSignal;
  newSearchId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

export interface AcsEventPullPage {
  searchId: string;
  position: number;
  /** Every readable event of the page except the anchor, in the device's order. */
  events: HikAccessEvent[];
  /** The events that are punches (major 5, allowed minor). */
  punches: HikAccessEvent[];
  nonPunchCount: number;
  invalid: InvalidSearchItem[];
  gaps: SerialGap[];
  /** Events with a serial at or below one already seen in this pull (kept in `events`; identity dedupes). */
  repeats: number;
  /**
   * The highest serial handed over so far; it never moves backwards. Persist it together with the page's
   * punches *and its gaps* (one transaction): a device that returns serials out of order shows up as a gap
   * that a later page fills, and only the persisted gap makes that safe across a crash.
   */
  cursor: number;
}

export interface AcsEventPullSummary {
  cursor: number;
  pages: number;
  events: number;
  punches: number;
  /** Non-punch events by `major/minor` (door, operation, failed verifications...). */
  nonPunch: Record<string, number>;
  invalid: number;
  gaps: SerialGap[];
  restarts: number;
  /** `false` when stopped by `maxPages` (more may be waiting). */
  complete: boolean;
  anchor: 'present' | 'missing' | 'not-checked';
}

export class AcsEventSearchError extends Error {
  constructor(readonly failure: AcsEventSearchFailure) {
    super(`AcsEvent search failed (HTTP ${failure.httpStatus}, ${failure.kind}): ${failure.detail}`);
    this.name = 'AcsEventSearchError';
  }
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function* pullAcsEvents(client: IsapiTextRequester, options: AcsEventPullOptions): AsyncGenerator<AcsEventPullPage, AcsEventPullSummary> {
  const pageSize = options.pageSize ?? 30;
  const punchMinors = options.punchMinors ?? DEFAULT_HIKVISION_PUNCH_MINORS;
  const maxPages = options.maxPages ?? 1000;
  const maxRestarts = options.maxRestarts ?? 3;
  const pageDelayMs = options.pageDelayMs ?? 200;
  const sleep = options.sleep ?? sleepMs;
  const newSearchId = options.newSearchId ?? randomUUID;
  const tracker = new SerialTracker(options.afterSerialNo > 0 ? options.afterSerialNo : null);

  let cursor = options.afterSerialNo;
  let anchor: AcsEventPullSummary['anchor'] = options.verifyAnchor !== false && cursor > 0 ? 'missing' : 'not-checked';
  let anchorPending = anchor === 'missing';
  const summary: AcsEventPullSummary = { cursor, pages: 0, events: 0, punches: 0, nonPunch: {}, invalid: 0, gaps: [], restarts: 0, complete: false, anchor };

  for (;;) {
    const searchId = newSearchId();
    // The serial window is fixed for the whole search; only the position moves between its pages.
    const beginSerialNo = anchorPending ? cursor : cursor + 1;
    let position = 0;
    let firstTotal: number | null | undefined;
    let maxSeen = cursor;

    for (;;) {
      if (summary.pages >= maxPages) return { ...summary, cursor, anchor };
      options.signal?.throwIfAborted();
      const body = buildAcsEventSearchBody({
        searchId,
        position,
        maxResults: pageSize,
        beginSerialNo,
        endSerialNo: options.endSerialNo ?? OPEN_END_SERIAL_NO,
      });
      const response = await client.requestText(ACS_EVENT_SEARCH_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const decoded = decodeAcsEventSearchResponse(response.status, response.text);
      if (!decoded.ok) throw new AcsEventSearchError(decoded.failure);
      const page = decoded.page;

      // The result set changed under us (new events, or old ones overwritten at the front): positions may have
      // shifted, so re-run the search from the cursor instead of trusting the offset.
      if (firstTotal === undefined) firstTotal = page.totalMatches;
      else if (firstTotal !== null && page.totalMatches !== null && page.totalMatches !== firstTotal && summary.restarts < maxRestarts) {
        summary.restarts++;
        break;
      }

      const result: AcsEventPullPage = { searchId, position, events: [], punches: [], nonPunchCount: 0, invalid: page.invalid, gaps: [], repeats: 0, cursor };
      for (const event of page.events) {
        if (anchorPending) {
          anchorPending = false;
          if (event.serialNo === options.afterSerialNo) {
            anchor = 'present';
            continue;
          }
        }
        const seen = tracker.observe(event.serialNo, event.frontSerialNo);
        if (seen.kind === 'gap') result.gaps.push(seen.gap);
        if (seen.kind === 'repeat') result.repeats++;
        if (event.serialNo !== null) maxSeen = Math.max(maxSeen, event.serialNo);
        result.events.push(event);
        if (isHikvisionPunchEvent(event.major, event.minor, punchMinors)) result.punches.push(event);
        else {
          result.nonPunchCount++;
          const key = `${event.major}/${event.minor}`;
          summary.nonPunch[key] = (summary.nonPunch[key] ?? 0) + 1;
        }
      }
      // An empty first page settles the anchor too: nothing at the cursor means it is gone.
      anchorPending = false;
      cursor = maxSeen;
      result.cursor = cursor;
      position += page.numOfMatches;
      summary.pages++;
      summary.events += result.events.length;
      summary.punches += result.punches.length;
      summary.invalid += result.invalid.length;
      summary.gaps.push(...result.gaps);
      yield result;

      if (page.status !== 'MORE' || page.numOfMatches === 0) {
        return { ...summary, cursor, complete: true, anchor };
      }
      if (pageDelayMs > 0) await sleep(pageDelayMs);
    }
  }
}

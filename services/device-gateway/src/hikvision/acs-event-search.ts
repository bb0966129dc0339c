import { z } from 'zod';
import { decodeSearchedAccessEvent, type HikAccessEvent } from './isapi-access-event';

/**
 * `POST /ISAPI/AccessControl/AcsEvent?format=json` (device-protocols.md §3.2): the request body and the
 * decoding of one page of results. Pure; paging lives in acs-event-puller.ts.
 */
export const ACS_EVENT_SEARCH_PATH = '/ISAPI/AccessControl/AcsEvent?format=json';

/** Upper bound sent as `endSerialNo` for an open-ended window: serials are 32-bit on the device. */
export const OPEN_END_SERIAL_NO = 2_147_483_647;

export interface AcsEventSearchCondition {
  /** One search session; reuse it for every page of that search. */
  searchId: string;
  /** 0-based offset into the result list (advance by `numOfMatches`). */
  position: number;
  maxResults: number;
  /** 0 = all. Sent even when 0, because some firmware requires `major` to be present. */
  major?: number;
  minor?: number;
  /** Serial window; both are sent when either is, since some firmware rejects one without the other. */
  beginSerialNo?: number;
  endSerialNo?: number;
  startTime?: string;
  endTime?: string;
  timeReverseOrder?: boolean;
  picEnable?: boolean;
  employeeNoString?: string;
}

export function buildAcsEventSearchBody(condition: AcsEventSearchCondition): { AcsEventCond: Record<string, unknown> } {
  const cond: Record<string, unknown> = {
    searchID: condition.searchId,
    searchResultPosition: condition.position,
    maxResults: condition.maxResults,
    major: condition.major ?? 0,
    minor: condition.minor ?? 0,
  };
  if (condition.beginSerialNo !== undefined || condition.endSerialNo !== undefined) {
    cond['beginSerialNo'] = condition.beginSerialNo ?? 0;
    cond['endSerialNo'] = condition.endSerialNo ?? OPEN_END_SERIAL_NO;
  }
  if (condition.startTime !== undefined) cond['startTime'] = condition.startTime;
  if (condition.endTime !== undefined) cond['endTime'] = condition.endTime;
  if (condition.employeeNoString !== undefined) cond['employeeNoString'] = condition.employeeNoString;
  cond['timeReverseOrder'] = condition.timeReverseOrder ?? false;
  cond['picEnable'] = condition.picEnable ?? false;
  return { AcsEventCond: cond };
}

export type AcsSearchStatus = 'MORE' | 'OK' | 'NO MATCH';

export interface InvalidSearchItem {
  index: number;
  reason: string;
  detail: string;
  raw: unknown;
}

export interface AcsEventSearchPage {
  searchId: string | null;
  status: AcsSearchStatus;
  /** How far to advance `searchResultPosition`: the device's count, which may differ from `events.length`. */
  numOfMatches: number;
  totalMatches: number | null;
  events: HikAccessEvent[];
  /** Items that are not access events we can read; kept with their raw value, never silently dropped. */
  invalid: InvalidSearchItem[];
  /** `InfoList` held a different number of items than `numOfMatches` said. */
  countMismatch: boolean;
}

/** The device's ISAPI error (`statusCode`/`subStatusCode`), or a body we could not read at all. */
export interface AcsEventSearchFailure {
  kind: 'device-error' | 'malformed-response';
  httpStatus: number;
  statusCode: number | null;
  subStatusCode: string | null;
  detail: string;
}

export type AcsEventSearchDecode = { ok: true; page: AcsEventSearchPage } | { ok: false; failure: AcsEventSearchFailure };

const count = z.union([z.number().int().min(0), z.string().trim().regex(/^\d{1,10}$/).transform(Number)]);

const ResponseSchema = z.looseObject({
  AcsEvent: z.looseObject({
    searchID: z.string().nullish(),
    responseStatusStrg: z.string(),
    numOfMatches: count,
    totalMatches: count.nullish(),
    InfoList: z.array(z.unknown()).nullish(),
  }),
});

const StatusSchema = z.looseObject({
  statusCode: z.coerce.number().int().nullish().catch(null),
  statusString: z.string().nullish().catch(null),
  subStatusCode: z.string().nullish().catch(null),
  errorMsg: z.string().nullish().catch(null),
});

/** `"NO MATCH"`, `"NO_MATCH"`, `"no match"` and friends; unknown values are reported as malformed. */
function normaliseStatus(raw: string): AcsSearchStatus | null {
  const upper = raw.trim().toUpperCase().replace(/[\s_]+/g, ' ');
  return upper === 'MORE' || upper === 'OK' || upper === 'NO MATCH' ? upper : null;
}

/**
 * Decodes one search response from its HTTP status and body text. Tolerates unknown fields, string counts and
 * a missing `InfoList` (devices omit it on NO MATCH). ISAPI errors arrive as JSON `{statusCode, subStatusCode}`
 * or, on firmware that ignores `format=json`, as XML `<ResponseStatus>`.
 */
export function decodeAcsEventSearchResponse(httpStatus: number, text: string): AcsEventSearchDecode {
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    return { ok: false, failure: xmlStatusOrMalformed(httpStatus, text) };
  }
  const parsed = ResponseSchema.safeParse(body);
  if (!parsed.success) {
    const status = StatusSchema.safeParse(body);
    if (status.success && (status.data.statusCode != null || status.data.subStatusCode != null)) {
      return {
        ok: false,
        failure: {
          kind: 'device-error',
          httpStatus,
          statusCode: status.data.statusCode ?? null,
          subStatusCode: status.data.subStatusCode ?? null,
          detail: [status.data.statusString, status.data.subStatusCode, status.data.errorMsg].filter(Boolean).join(': '),
        },
      };
    }
    return { ok: false, failure: malformed(httpStatus, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')) };
  }
  const acs = parsed.data.AcsEvent;
  const status = normaliseStatus(acs.responseStatusStrg);
  if (status === null) return { ok: false, failure: malformed(httpStatus, `unknown responseStatusStrg "${acs.responseStatusStrg.slice(0, 40)}"`) };
  const items = acs.InfoList ?? [];
  const events: HikAccessEvent[] = [];
  const invalid: InvalidSearchItem[] = [];
  items.forEach((item, index) => {
    const decoded = decodeSearchedAccessEvent(item);
    if (decoded.ok) events.push(decoded.event);
    else invalid.push({ index, reason: decoded.reason, detail: decoded.detail, raw: item });
  });
  return {
    ok: true,
    page: {
      searchId: acs.searchID ?? null,
      status,
      numOfMatches: acs.numOfMatches,
      totalMatches: acs.totalMatches ?? null,
      events,
      invalid,
      countMismatch: items.length !== acs.numOfMatches,
    },
  };
}

function malformed(httpStatus: number, detail: string): AcsEventSearchFailure {
  return { kind: 'malformed-response', httpStatus, statusCode: null, subStatusCode: null, detail };
}

function xmlStatusOrMalformed(httpStatus: number, text: string): AcsEventSearchFailure {
  const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]?.trim() ?? null;
  const statusCode = tag('statusCode');
  const subStatusCode = tag('subStatusCode');
  if (statusCode === null && subStatusCode === null) {
    return malformed(httpStatus, `body is neither JSON nor an ISAPI ResponseStatus (${text.slice(0, 80).replace(/\s+/g, ' ')})`);
  }
  return {
    kind: 'device-error',
    httpStatus,
    statusCode: statusCode !== null && /^\d+$/.test(statusCode) ? Number(statusCode) : null,
    subStatusCode,
    detail: [tag('statusString'), subStatusCode].filter(Boolean).join(': '),
  };
}

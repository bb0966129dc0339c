import { z } from 'zod';

/**
 * The ISAPI `ResponseStatus` JSON every write answers with: `{"statusCode":1,"statusString":"OK",
 * "subStatusCode":"ok"}` on success, e.g. `{"statusCode":6,"statusString":"Invalid Content",
 * "subStatusCode":"badJsonContent"}` or `{"statusCode":4,...,"subStatusCode":"employeeNoAlreadyExist"}` on
 * failure. Some firmware sends the error with HTTP 200, some with 4xx: success is statusCode 1 on a 2xx.
 */
export interface IsapiStatus {
  ok: boolean;
  httpStatus: number;
  statusCode: number | null;
  subStatusCode: string | null;
  /** `statusString` / `errorMsg`, or the start of a body that was not a ResponseStatus. */
  detail: string;
}

const StatusSchema = z.looseObject({
  statusCode: z.coerce.number().int().nullish().catch(null),
  statusString: z.string().nullish().catch(null),
  subStatusCode: z.string().nullish().catch(null),
  errorMsg: z.string().nullish().catch(null),
});

export function readIsapiStatus(httpStatus: number, json: unknown, text: string): IsapiStatus {
  // XML-only firmware answers `<ResponseStatus>`; those fields are read with a regex rather than a full parse.
  const parsed = StatusSchema.safeParse(json ?? xmlStatus(text));
  const status = parsed.success ? parsed.data : { statusCode: null, statusString: null, subStatusCode: null, errorMsg: null };
  const statusCode = status.statusCode ?? null;
  const ok = httpStatus >= 200 && httpStatus < 300 && (statusCode === 1 || (statusCode === null && text.trim() === ''));
  const detail = [status.statusString, status.errorMsg].filter((s): s is string => typeof s === 'string' && s !== '').join(': ') || text.slice(0, 200) || `HTTP ${httpStatus}`;
  return { ok, httpStatus, statusCode, subStatusCode: status.subStatusCode ?? null, detail };
}

/** A kebab-case code for a failed status: the subStatusCode when the device gave one. */
export function isapiFailureCode(status: IsapiStatus): string {
  const raw = status.subStatusCode ?? (status.statusCode !== null ? `status-${status.statusCode}` : `http-${status.httpStatus}`);
  return raw.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'device-error';
}

function xmlStatus(text: string): Record<string, string> | undefined {
  if (!text.includes('<ResponseStatus')) return undefined;
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
  const out: Record<string, string> = {};
  for (const name of ['statusCode', 'statusString', 'subStatusCode']) {
    const value = field(name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

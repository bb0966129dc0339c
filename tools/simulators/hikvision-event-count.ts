import type { SimIsapiAnswer } from './hikvision-user-store';

/**
 * `POST /ISAPI/AccessControl/AcsEventTotalNum?format=json` and its capabilities, over the simulated event
 * store: `{"AcsEventTotalNumCond":{"major":0,"minor":0,"startTime":..,"endTime":..}}` is answered
 * `{"AcsEventTotalNum":{"totalNum":n}}` (observed shape); the search root instead of the count root gets
 * `MessageParametersLack`, as a device answers it. The capabilities give the store's size as `@max`.
 */
export function answerEventCount(
  method: string,
  pathname: string,
  body: string,
  events: readonly { major: number; minor: number; at: Date }[],
  capacity: number,
): SimIsapiAnswer | null {
  if (method === 'GET' && pathname === '/ISAPI/AccessControl/AcsEventTotalNum/capabilities') {
    return { status: 200, json: { AcsEventTotalNum: { totalNum: { '@min': 0, '@max': capacity } } } };
  }
  if (method !== 'POST' || pathname !== '/ISAPI/AccessControl/AcsEventTotalNum') return null;
  let cond: Record<string, unknown> | undefined;
  try {
    cond = (JSON.parse(body) as { AcsEventTotalNumCond?: Record<string, unknown> }).AcsEventTotalNumCond;
  } catch {
    return { status: 400, json: { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'badJsonContent' } };
  }
  if (!cond || typeof cond['major'] !== 'number') return { status: 400, json: { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'MessageParametersLack' } };
  const major = cond['major'];
  const minor = typeof cond['minor'] === 'number' ? cond['minor'] : 0;
  const from = typeof cond['startTime'] === 'string' ? Date.parse(cond['startTime']) : -Infinity;
  const to = typeof cond['endTime'] === 'string' ? Date.parse(cond['endTime']) : Infinity;
  const totalNum = events.filter((e) => (major === 0 || e.major === major) && (minor === 0 || e.minor === minor) && e.at.getTime() >= from && e.at.getTime() <= to).length;
  return { status: 200, json: { AcsEventTotalNum: { totalNum } } };
}

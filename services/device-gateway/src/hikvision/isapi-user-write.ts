import { isapiFailureCode, readIsapiStatus, type IsapiStatus } from './isapi-response-status';

export const USER_RECORD_PATH = '/ISAPI/AccessControl/UserInfo/Record?format=json';
export const USER_MODIFY_PATH = '/ISAPI/AccessControl/UserInfo/Modify?format=json';
export const USER_DELETE_PATH = '/ISAPI/AccessControl/UserInfo/Delete?format=json';
/** Users per UserInfo/Delete request; one request per user would cost a Digest round trip each. */
export const USER_DELETE_BATCH = 50;

export interface IsapiJsonRequester {
  requestText(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string; json: unknown }>;
}

export type HikUserResult =
  | { employeeNo: string; action: 'write' | 'delete'; ok: true; created: boolean }
  | { employeeNo: string; action: 'write' | 'delete'; ok: false; code: string; detail: string; status: IsapiStatus | null };

/**
 * Validity written for a new user: from 2000 to the end of 2037 (the widest range DS-K1T firmware takes), in
 * the device's local time. Attendance terminals refuse a punch outside it, so a roster user must not expire.
 */
const NEW_USER_VALID = { enable: true, beginTime: '2000-01-01T00:00:00', endTime: '2037-12-31T23:59:59', timeType: 'local' } as const;

/**
 * Writes one user: `POST UserInfo/Record` adds it; when the device already has that employeeNo
 * (`employeeNoAlreadyExist`), `PUT UserInfo/Modify` changes its name only, so a validity window, door rights,
 * cards or faces set on the device are left as they are. A null name on an enrolled user is nothing to do.
 */
export async function writeHikUser(client: IsapiJsonRequester, user: { employeeNo: string; name: string | null }): Promise<HikUserResult> {
  const fail = (status: IsapiStatus): HikUserResult => ({ employeeNo: user.employeeNo, action: 'write', ok: false, code: isapiFailureCode(status), detail: status.detail, status });
  const add = await send(client, 'POST', USER_RECORD_PATH, {
    UserInfo: { employeeNo: user.employeeNo, ...(user.name !== null ? { name: user.name } : {}), userType: 'normal', Valid: NEW_USER_VALID },
  });
  if (add.ok) return { employeeNo: user.employeeNo, action: 'write', ok: true, created: true };
  if (add.subStatusCode !== 'employeeNoAlreadyExist') return fail(add);
  if (user.name === null) return { employeeNo: user.employeeNo, action: 'write', ok: true, created: false };
  const modify = await send(client, 'PUT', USER_MODIFY_PATH, { UserInfo: { employeeNo: user.employeeNo, name: user.name } });
  return modify.ok ? { employeeNo: user.employeeNo, action: 'write', ok: true, created: false } : fail(modify);
}

/**
 * Deletes users by employeeNo, `USER_DELETE_BATCH` per `PUT UserInfo/Delete`
 * (`{"UserInfoDelCond":{"EmployeeNoList":[{"employeeNo":"..."}]}}`). The device answers a batch as a whole,
 * so a refused batch fails each of its users with the device's code.
 */
export async function deleteHikUsers(client: IsapiJsonRequester, employeeNos: readonly string[]): Promise<HikUserResult[]> {
  const results: HikUserResult[] = [];
  for (let i = 0; i < employeeNos.length; i += USER_DELETE_BATCH) {
    const batch = employeeNos.slice(i, i + USER_DELETE_BATCH);
    const status = await send(client, 'PUT', USER_DELETE_PATH, { UserInfoDelCond: { EmployeeNoList: batch.map((employeeNo) => ({ employeeNo })) } });
    for (const employeeNo of batch) {
      results.push(status.ok ? { employeeNo, action: 'delete', ok: true, created: false } : { employeeNo, action: 'delete', ok: false, code: isapiFailureCode(status), detail: status.detail, status });
    }
  }
  return results;
}

async function send(client: IsapiJsonRequester, method: 'POST' | 'PUT', path: string, body: unknown): Promise<IsapiStatus> {
  const response = await client.requestText(path, { method, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  return readIsapiStatus(response.status, response.json, response.text);
}

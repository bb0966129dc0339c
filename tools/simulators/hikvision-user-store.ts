/**
 * The simulated terminal's person table behind the ISAPI UserInfo endpoints (device-protocols.md §3; shapes as
 * public ISAPI clients send them):
 * - `POST /ISAPI/AccessControl/UserInfo/Record?format=json` `{"UserInfo": {...}}` (or an array of one) adds a
 *   person; an employeeNo already there is refused with `employeeNoAlreadyExist`, as firmware does;
 * - `PUT /ISAPI/AccessControl/UserInfo/Modify?format=json` changes the fields given;
 * - `PUT /ISAPI/AccessControl/UserInfo/Delete?format=json` `{"UserInfoDelCond":{"EmployeeNoList":[...]}}`;
 * - `GET /ISAPI/AccessControl/UserInfo/Count?format=json` `{"UserInfoCount":{"userNumber":n}}`.
 * Answers are ResponseStatus JSON (`statusCode` 1 = OK). Limits make the error paths testable: a full device
 * and a name longer than the device holds. The sub-status names of those two are this simulator's choice (we
 * have no capture of them); `badJsonContent`, `MessageParametersLack` and `employeeNoAlreadyExist` are the
 * codes devices are seen to send.
 */
export interface SimPerson {
  employeeNo: string;
  name: string;
  userType: string;
  valid: { enable: boolean; beginTime: string; endTime: string } | null;
}

export interface SimIsapiAnswer {
  status: number;
  json: unknown;
}

const OK: SimIsapiAnswer = { status: 200, json: { statusCode: 1, statusString: 'OK', subStatusCode: 'ok' } };

export class HikvisionUserStore {
  readonly persons = new Map<string, SimPerson>();
  /** Most persons the terminal holds. */
  capacity = 3000;
  /** Longest name in UTF-8 bytes (DS-K1T firmware commonly takes 32... 128; here configurable). */
  nameMaxBytes = 64;
  readonly counters = { added: 0, modified: 0, deleted: 0, refused: 0 };

  /** The answer for a UserInfo request, or null when the path is not one of these. */
  handle(method: string, pathname: string, body: string): SimIsapiAnswer | null {
    if (method === 'POST' && pathname === '/ISAPI/AccessControl/UserInfo/Record') return this.record(body);
    if (method === 'PUT' && pathname === '/ISAPI/AccessControl/UserInfo/Modify') return this.modify(body);
    if (method === 'PUT' && pathname === '/ISAPI/AccessControl/UserInfo/Delete') return this.remove(body);
    if (method === 'GET' && pathname === '/ISAPI/AccessControl/UserInfo/Count') return { status: 200, json: { UserInfoCount: { userNumber: this.persons.size } } };
    return null;
  }

  private record(body: string): SimIsapiAnswer {
    const info = userInfo(body);
    if (!info) return this.refuse(400, 6, 'Invalid Content', 'badJsonContent');
    const problem = this.check(info, true);
    if (problem) return problem;
    const employeeNo = info['employeeNo'] as string;
    if (this.persons.has(employeeNo)) return this.refuse(400, 4, 'Invalid Operation', 'employeeNoAlreadyExist');
    if (this.persons.size >= this.capacity) return this.refuse(400, 4, 'Invalid Operation', 'userNumExceedLimit');
    const valid = info['Valid'] as Record<string, unknown> | undefined;
    this.persons.set(employeeNo, {
      employeeNo,
      name: typeof info['name'] === 'string' ? info['name'] : '',
      userType: typeof info['userType'] === 'string' ? info['userType'] : 'normal',
      valid: valid ? { enable: valid['enable'] !== false, beginTime: String(valid['beginTime'] ?? ''), endTime: String(valid['endTime'] ?? '') } : null,
    });
    this.counters.added++;
    return OK;
  }

  private modify(body: string): SimIsapiAnswer {
    const info = userInfo(body);
    if (!info) return this.refuse(400, 6, 'Invalid Content', 'badJsonContent');
    const problem = this.check(info, false);
    if (problem) return problem;
    const person = this.persons.get(info['employeeNo'] as string);
    if (!person) return this.refuse(400, 4, 'Invalid Operation', 'employeeNoNotExist');
    if (typeof info['name'] === 'string') person.name = info['name'];
    if (typeof info['userType'] === 'string') person.userType = info['userType'];
    this.counters.modified++;
    return OK;
  }

  private remove(body: string): SimIsapiAnswer {
    let list: unknown;
    try {
      list = (JSON.parse(body) as { UserInfoDelCond?: { EmployeeNoList?: unknown } }).UserInfoDelCond?.EmployeeNoList;
    } catch {
      return this.refuse(400, 6, 'Invalid Content', 'badJsonContent');
    }
    if (!Array.isArray(list) || list.some((e) => typeof (e as { employeeNo?: unknown } | null)?.employeeNo !== 'string')) {
      return this.refuse(400, 6, 'Invalid Content', 'MessageParametersLack');
    }
    for (const entry of list as { employeeNo: string }[]) {
      if (this.persons.delete(entry.employeeNo)) this.counters.deleted++;
    }
    return OK;
  }

  private check(info: Record<string, unknown>, adding: boolean): SimIsapiAnswer | null {
    const employeeNo = info['employeeNo'];
    if (typeof employeeNo !== 'string' || employeeNo === '' || Buffer.byteLength(employeeNo) > 32) return this.refuse(400, 6, 'Invalid Content', 'MessageParametersLack');
    if (typeof info['name'] === 'string' && Buffer.byteLength(info['name']) > this.nameMaxBytes) return this.refuse(400, 6, 'Invalid Content', 'nameLengthExceedLimit');
    if (adding && info['userType'] !== undefined && !['normal', 'visitor', 'blackList'].includes(String(info['userType']))) return this.refuse(400, 6, 'Invalid Content', 'badParameters');
    return null;
  }

  private refuse(status: number, statusCode: number, statusString: string, subStatusCode: string): SimIsapiAnswer {
    this.counters.refused++;
    return { status, json: { statusCode, statusString, subStatusCode, errorCode: 0x60000000 + statusCode, errorMsg: subStatusCode } };
  }
}

function userInfo(body: string): Record<string, unknown> | null {
  try {
    const value = (JSON.parse(body) as { UserInfo?: unknown }).UserInfo;
    const one = Array.isArray(value) ? (value.length === 1 ? value[0] : null) : value;
    return one !== null && typeof one === 'object' ? (one as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

import { findTotalMax } from './acs-event-capacity';
import { isapiFailureCode, readIsapiStatus } from './isapi-response-status';
import { deleteHikUsers, writeHikUser, type IsapiJsonRequester } from './isapi-user-write';

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A scripted device: answers in order, records what was sent. */
function scripted(...answers: { status: number; json: unknown }[]): IsapiJsonRequester & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    requestText(path, init) {
      calls.push({ method: init.method, path, body: init.body === undefined ? undefined : JSON.parse(init.body) });
      const next = answers.shift() ?? { status: 200, json: { statusCode: 1, statusString: 'OK', subStatusCode: 'ok' } };
      return Promise.resolve({ status: next.status, json: next.json, text: JSON.stringify(next.json) });
    },
  };
}
const OK = { status: 200, json: { statusCode: 1, statusString: 'OK', subStatusCode: 'ok' } };
const EXISTS = { status: 400, json: { statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'employeeNoAlreadyExist' } };

describe('ISAPI user writes', () => {
  it('adds a user with UserInfo/Record: employeeNo, name, normal type, a validity window', async () => {
    const device = scripted(OK);
    expect(await writeHikUser(device, { employeeNo: '0042', name: 'Ana Souza' })).toEqual({ employeeNo: '0042', action: 'write', ok: true, created: true });
    expect(device.calls).toEqual([
      {
        method: 'POST',
        path: '/ISAPI/AccessControl/UserInfo/Record?format=json',
        body: { UserInfo: { employeeNo: '0042', name: 'Ana Souza', userType: 'normal', Valid: { enable: true, beginTime: '2000-01-01T00:00:00', endTime: '2037-12-31T23:59:59', timeType: 'local' } } },
      },
    ]);
  });

  it('modifies only the name of a user the device already has', async () => {
    const device = scripted(EXISTS, OK);
    expect(await writeHikUser(device, { employeeNo: '7', name: 'New Name' })).toMatchObject({ ok: true, created: false });
    expect(device.calls[1]).toEqual({ method: 'PUT', path: '/ISAPI/AccessControl/UserInfo/Modify?format=json', body: { UserInfo: { employeeNo: '7', name: 'New Name' } } });
  });

  it('leaves an enrolled user alone when the roster has no name, and reports other refusals with their sub-status', async () => {
    const unnamed = scripted(EXISTS);
    expect(await writeHikUser(unnamed, { employeeNo: '7', name: null })).toMatchObject({ ok: true, created: false });
    expect(unnamed.calls).toHaveLength(1);
    const refused = scripted({ status: 400, json: { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'badJsonContent' } });
    expect(await writeHikUser(refused, { employeeNo: '8', name: 'x' })).toMatchObject({ ok: false, code: 'bad-json-content', detail: 'Invalid Content' });
  });

  it('takes an error sent with HTTP 200 as an error (firmware does both)', async () => {
    const device = scripted({ status: 200, json: { statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'userNumExceedLimit' } });
    expect(await writeHikUser(device, { employeeNo: '9', name: 'y' })).toMatchObject({ ok: false, code: 'user-num-exceed-limit' });
  });

  it('deletes in batches of 50 with UserInfoDelCond and fails each user of a refused batch', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => String(i + 1));
    const device = scripted(OK, { status: 400, json: { statusCode: 6, subStatusCode: 'MessageParametersLack' } }, OK);
    const results = await deleteHikUsers(device, ids);
    expect(device.calls.map((c) => (c.body as { UserInfoDelCond: { EmployeeNoList: unknown[] } }).UserInfoDelCond.EmployeeNoList.length)).toEqual([50, 50, 20]);
    expect(device.calls[0]).toMatchObject({ method: 'PUT', path: '/ISAPI/AccessControl/UserInfo/Delete?format=json' });
    expect((device.calls[0]!.body as { UserInfoDelCond: { EmployeeNoList: unknown[] } }).UserInfoDelCond.EmployeeNoList[0]).toEqual({ employeeNo: '1' });
    expect(results.filter((r) => !r.ok).map((r) => r.employeeNo)).toEqual(ids.slice(50, 100));
    expect(results.find((r) => !r.ok)).toMatchObject({ code: 'message-parameters-lack' });
  });

  it('reads XML ResponseStatus too, and names a status without a sub-status by its code', () => {
    const xml = '<?xml version="1.0"?><ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>notSupport</subStatusCode></ResponseStatus>';
    const status = readIsapiStatus(403, undefined, xml);
    expect(status).toMatchObject({ ok: false, statusCode: 4, subStatusCode: 'notSupport' });
    expect(isapiFailureCode(status)).toBe('not-support');
    expect(isapiFailureCode(readIsapiStatus(500, undefined, 'oops'))).toBe('http-500');
    expect(readIsapiStatus(200, { statusCode: 1 }, '{"statusCode":1}').ok).toBe(true);
  });
});

describe('event-store capacity', () => {
  it('finds the maximum in the capability shapes devices and clients show, and null when there is none', () => {
    expect(findTotalMax({ AcsEventTotalNum: { '@max': 100000 } })).toBe(100000);
    expect(findTotalMax({ AcsEvent: { totalNum: { '@max': 150000 } } })).toBe(150000);
    expect(findTotalMax({ AcsEventTotalNum: { totalNum: { '@min': 0, '@max': 50000 } } })).toBe(50000);
    expect(findTotalMax({ AcsEventTotalNum: { searchID: { '@max': 64 } } })).toBeNull();
    expect(findTotalMax(undefined)).toBeNull();
  });
});

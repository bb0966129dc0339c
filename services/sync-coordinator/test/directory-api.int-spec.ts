import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseReferencePullResponse } from '@attendance/contracts';
import { createIsolatedDatabase, testInfra, type IsolatedDatabase } from '@attendance/testing';
import { adminKey, httpClient, startSyncCoordinatorInProcess } from './sync-test-harness';

const keyA = adminKey('admin-a', 'tenant-a');
const keyB = adminKey('admin-b', 'tenant-b');

describe('directory admin API', () => {
  let db: IsolatedDatabase;
  let app: NestFastifyApplication;
  let asA: ReturnType<typeof httpClient>;
  let asB: ReturnType<typeof httpClient>;
  let anonymous: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    db = await createIsolatedDatabase('sync_directory');
    const started = await startSyncCoordinatorInProcess({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_ADMIN_API_KEYS: [keyA.entry, keyB.entry].join(','),
    });
    app = started.app;
    asA = httpClient(started.url, { 'x-api-key': keyA.header });
    asB = httpClient(started.url, { 'x-api-key': keyB.header });
    anonymous = httpClient(started.url);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses requests without a key or with a wrong secret', async () => {
    expect((await anonymous('GET', '/api/v1/admin/sites')).status).toBe(401);
    expect((await anonymous('GET', '/api/v1/admin/sites', undefined, { 'x-api-key': 'admin-a.wrong' })).status).toBe(401);
  });

  it('creates sites, devices, gateways and employees, answering bad input with a 4xx naming the problem', async () => {
    const badZone = await asA('PUT', '/api/v1/admin/sites/pune', { name: 'Pune plant', timeZone: 'Asia/Puna' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.issues).toEqual([{ path: 'timeZone', message: 'unknown IANA time zone' }]);
    expect((await asA('PUT', '/api/v1/admin/sites/pune', { name: 'Pune plant', timeZone: 'Asia/Kolkata' })).status).toBe(201);
    expect((await asA('PUT', '/api/v1/admin/sites/pune', { name: 'Pune plant 1', timeZone: 'Asia/Kolkata' })).status).toBe(200);

    const unknownSite = await asA('PUT', '/api/v1/admin/devices/ZK001', { protocol: 'zk-push3', siteId: 'mumbai' });
    expect(unknownSite.status).toBe(422);
    expect(unknownSite.body.message).toContain('siteId');
    const badProtocol = await asA('PUT', '/api/v1/admin/devices/ZK001', { protocol: 'telnet', siteId: 'pune' });
    expect(badProtocol.status).toBe(400);
    expect(badProtocol.body.issues[0].path).toBe('protocol');

    const gateway = await asA('POST', '/api/v1/admin/gateways', { gatewayId: 'gw-pune-1', name: 'Pune gateway', siteId: 'pune' });
    expect(gateway.status).toBe(201);
    expect(gateway.body.token).toMatch(/^gwt_/);
    const device = await asA('PUT', '/api/v1/admin/devices/ZK001', { protocol: 'zk-push3', siteId: 'pune', timeZoneOverride: 'Asia/Dubai', expectedGatewayId: 'gw-pune-1' });
    expect(device.status).toBe(201);
    expect(device.body).toMatchObject({ deviceSerial: 'ZK001', timeZoneOverride: 'Asia/Dubai', expectedGatewayId: 'gw-pune-1' });

    const employee = await asA('POST', '/api/v1/admin/employees', { employeeId: 'e-1', code: '0001', name: 'Asha' });
    expect(employee.status).toBe(201);
    expect(employee.body).toMatchObject({ employeeId: 'e-1', code: '0001', status: 'active' });
    const sameCode = await asA('POST', '/api/v1/admin/employees', { code: '0001', name: 'Someone else' });
    expect(sameCode.status).toBe(409);
    const unknownField = await asA('POST', '/api/v1/admin/employees', { code: '0002', name: 'Ravi', salary: 1 });
    expect(unknownField.status).toBe(400);
  });

  it('keeps tenants apart: B neither reads nor changes A\'s rows, nor names A\'s sites or gateways', async () => {
    await asA('PUT', '/api/v1/admin/sites/shared-name', { name: 'A site', timeZone: 'Europe/Berlin' });
    await asA('POST', '/api/v1/admin/employees', { employeeId: 'a-only', code: 'A-7', name: 'A employee' });

    expect((await asB('GET', '/api/v1/admin/employees/a-only')).status).toBe(404);
    expect((await asB('PATCH', '/api/v1/admin/employees/a-only', { name: 'hijacked' })).status).toBe(404);
    expect((await asB('DELETE', '/api/v1/admin/employees/a-only')).status).toBe(404);
    expect((await asB('GET', '/api/v1/admin/employees')).body.items).toEqual([]);
    expect((await asB('GET', '/api/v1/admin/sites/pune')).status).toBe(404);
    expect((await asB('GET', '/api/v1/admin/gateways/gw-pune-1')).status).toBe(404);
    expect((await asB('DELETE', '/api/v1/admin/devices/ZK001')).status).toBe(404);
    // B's device cannot be placed at A's site or assigned A's gateway.
    expect((await asB('PUT', '/api/v1/admin/devices/B1', { protocol: 'zk-tcp', siteId: 'pune' })).status).toBe(422);
    await asB('PUT', '/api/v1/admin/sites/b-site', { name: 'B site', timeZone: 'UTC' });
    expect((await asB('PUT', '/api/v1/admin/devices/B1', { protocol: 'zk-tcp', siteId: 'b-site', expectedGatewayId: 'gw-pune-1' })).status).toBe(422);
    // The same site id in B is B's own site, and A's is untouched.
    expect((await asB('PUT', '/api/v1/admin/sites/shared-name', { name: 'B site', timeZone: 'UTC' })).status).toBe(201);
    expect((await asA('GET', '/api/v1/admin/sites/shared-name')).body).toMatchObject({ name: 'A site', timeZone: 'Europe/Berlin' });
    expect((await asA('GET', '/api/v1/admin/employees/a-only')).body.name).toBe('A employee');

    // B's gateway pulls only B's reference data.
    const gatewayB = await asB('POST', '/api/v1/admin/gateways', { gatewayId: 'gw-b', name: 'B gateway' });
    const pull = await anonymous('GET', '/api/v1/sync/pull?limit=1000', undefined, { authorization: `Bearer ${gatewayB.body.token}` });
    expect(pull.status).toBe(200);
    const page = parseReferencePullResponse(pull.body);
    expect(page.tenantId).toBe('tenant-b');
    expect(page.changes.map((c) => `${c.entity}:${c.id}`).sort()).toEqual(['site:b-site', 'site:shared-name']);
  });

  it('imports employees from CSV with a per-row report, applying the good rows', async () => {
    await asA('POST', '/api/v1/admin/employees', { employeeId: 'csv-existing', code: '0100', name: 'Old Name' });
    await asA('POST', '/api/v1/admin/employees', { employeeId: 'csv-same', code: '0101', name: 'Same' });
    const csv = [
      'name,code,status',
      '"Kumar, Anil",0200,active', // created
      'New Name,0100,inactive', // updated (matched by code)
      'Same,0101,', // unchanged (status defaults to active)
      'Bad Status,0201,retired', // error
      ',0202,active', // error: no name
      'Twice,0200,active', // error: duplicate code in the file
      'Too,Many,Fields,Here', // error: field count
      'Lead Space, 0203,active', // trimmed, created
    ].join('\n');
    const response = await asA('POST', '/api/v1/admin/employees/import', csv);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ total: 8, created: 2, updated: 1, unchanged: 1, failed: 4 });
    const byLine = Object.fromEntries(response.body.rows.map((r: { line: number }) => [r.line, r]));
    expect(byLine[2]).toMatchObject({ code: '0200', outcome: 'created' });
    expect(byLine[3]).toMatchObject({ code: '0100', employeeId: 'csv-existing', outcome: 'updated' });
    expect(byLine[4]).toMatchObject({ code: '0101', employeeId: 'csv-same', outcome: 'unchanged' });
    expect(byLine[5].outcome).toBe('error');
    expect(byLine[5].errors[0]).toContain('status');
    expect(byLine[6].errors[0]).toContain('name');
    expect(byLine[7].errors[0]).toBe('code 0200 is already on line 2');
    expect(byLine[8].errors[0]).toBe('expected 3 fields, found 4');
    expect(byLine[9]).toMatchObject({ code: '0203', outcome: 'created' });

    expect((await asA('GET', '/api/v1/admin/employees/csv-existing')).body).toMatchObject({ name: 'New Name', status: 'inactive' });
    const created = await asA('GET', `/api/v1/admin/employees/${byLine[2].employeeId}`);
    expect(created.body).toMatchObject({ code: '0200', name: 'Kumar, Anil' });
    // Nothing of the import reached the other tenant.
    expect((await asB('GET', '/api/v1/admin/employees')).body.items).toEqual([]);
  });

  it('shows and renames the key\'s own tenant, with its latest cursor', async () => {
    const before = (await asA('GET', '/api/v1/admin/tenant')).body;
    expect(before).toMatchObject({ tenantId: 'tenant-a', name: 'tenant-a' });
    expect(Number(before.latestCursor)).toBeGreaterThan(0);
    expect((await asA('PUT', '/api/v1/admin/tenant', { name: 'Acme Ltd' })).body).toMatchObject({ tenantId: 'tenant-a', name: 'Acme Ltd' });
    expect((await asB('GET', '/api/v1/admin/tenant')).body).toMatchObject({ tenantId: 'tenant-b', name: 'tenant-b' });
    expect((await asA('PUT', '/api/v1/admin/tenant', { name: '' })).status).toBe(400);
  });

  it('answers a CSV without the required columns with 400', async () => {
    const response = await asA('POST', '/api/v1/admin/employees/import', 'code,fullname\n1,x\n');
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('fullname');
  });

  it('serves the OpenAPI document', async () => {
    const docs = await anonymous('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/v1/admin/employees/import', '/api/v1/sync/pull', '/api/v1/attendance/sync', '/api/v1/admin/tenant']));
  });
});

import { parseReferencePullResponse } from './reference-pull';

const page = {
  tenantId: 'acme',
  gatewayId: 'gw-1',
  changes: [
    { cursor: '1', changedAt: '2026-03-02T09:00:00.000Z', entity: 'site', op: 'upsert', id: 'pune', site: { siteId: 'pune', name: 'Pune', timeZone: 'Asia/Kolkata' } },
    {
      cursor: '2',
      changedAt: '2026-03-02T09:00:01.000Z',
      entity: 'device',
      op: 'upsert',
      id: 'ZK001',
      device: { deviceSerial: 'ZK001', name: null, protocol: 'zk-push3', siteId: 'pune', timeZoneOverride: null, expectedGatewayId: 'gw-1' },
    },
    { cursor: '3', changedAt: '2026-03-02T09:00:02.000Z', entity: 'employee', op: 'upsert', id: 'e-1', employee: { employeeId: 'e-1', code: '0001', name: 'Asha', status: 'active' } },
    { cursor: '4', changedAt: '2026-03-02T09:00:03.000Z', entity: 'employee', op: 'delete', id: 'e-2' },
  ],
  nextCursor: '4',
  hasMore: false,
  serverTime: '2026-03-02T09:00:04.000Z',
};

describe(parseReferencePullResponse.name, () => {
  it('parses upserts of each entity and a tombstone', () => {
    const parsed = parseReferencePullResponse(page);
    expect(parsed.changes.map((c) => `${c.entity}:${c.op}`)).toEqual(['site:upsert', 'device:upsert', 'employee:upsert', 'employee:delete']);
  });

  it('refuses an upsert without its data, an unknown op, a bad zone and a non-numeric cursor', () => {
    const change = (c: Record<string, unknown>) => ({ ...page, changes: [c] });
    expect(() => parseReferencePullResponse(change({ cursor: '1', changedAt: page.serverTime, entity: 'employee', op: 'upsert', id: 'e-1' }))).toThrow();
    expect(() => parseReferencePullResponse(change({ cursor: '1', changedAt: page.serverTime, entity: 'employee', op: 'archive', id: 'e-1' }))).toThrow();
    expect(() => parseReferencePullResponse(change({ ...page.changes[0], site: { siteId: 'pune', name: 'Pune', timeZone: 'Asia/Puna' } }))).toThrow();
    expect(() => parseReferencePullResponse({ ...page, nextCursor: 'abc' })).toThrow();
  });
});

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import type { GatewayCommandOf } from '@attendance/contracts';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { LeasesRepository } from '../src/leases/leases.repository';
import type { LeaseView } from '../src/leases/leases.controller';
import { DirectoryFixture } from './edge-sync/directory-fixture';
import { FakeGateway } from './edge-sync/fake-gateway';
import { adminKey, startSyncCoordinatorInProcess } from './sync-test-harness';

type Grant = GatewayCommandOf<'lease-grant'>;

describe('device leases across gateways against real Kafka and Postgres', () => {
  const suffix = uniqueSuffix();
  const tenantId = `lease-${suffix}`;
  const siteId = 'site-l';
  const key = adminKey('ops', tenantId);
  let database: IsolatedDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let pg: Client;
  const gateways: FakeGateway[] = [];

  beforeAll(async () => {
    database = await createIsolatedDatabase('sync_lease');
    ({ app, url } = await startSyncCoordinatorInProcess({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_PUNCH_COUNTS_FROM_BEGINNING: 'false', // the shared broker holds other suites' punches
      SYNC_CONSUMER_GROUP_PREFIX: `sync-lease-${suffix}`,
      SYNC_ADMIN_API_KEYS: key.entry,
      SYNC_LEASE_TTL_SECONDS: '8', // renewed with 4 s left: room for a consumer lagging on a loaded machine
      SYNC_SCHEDULER_TICK_SECONDS: '3600',
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    const directory = new DirectoryFixture(pg);
    await directory.tenantWithSite(tenantId, siteId);
    for (const name of ['a', 'b', 'c', 'd', 'e']) await directory.gateway(tenantId, siteId, `gw-${name}-${suffix}`);
  });

  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await app?.close();
    await pg?.end();
    await database?.drop();
  });

  const startGateway = async (name: string, devices: ConstructorParameters<typeof FakeGateway>[3]) => {
    const gateway = new FakeGateway(`gw-${name}-${suffix}`, tenantId, siteId, devices);
    gateways.push(gateway);
    await gateway.start();
    return gateway;
  };
  const leases = async () =>
    ((await (await fetch(`${url}/api/v1/admin/leases`, { headers: { 'x-api-key': key.header } })).json()) as { items: LeaseView[] }).items;
  const grantsFor = (gateway: FakeGateway, serial: string) => gateway.commandsOf('lease-grant').filter((g) => g.args.deviceSerial === serial);

  /** No instant is covered by grants to two different gateways (by the coordinator's clock). */
  const expectNoOverlap = (grants: Grant[]) => {
    const sorted = [...grants].sort((x, y) => Date.parse(x.issuedAt) - Date.parse(y.issuedAt));
    for (let i = 1; i < sorted.length; i++) {
      const previous = sorted[i - 1]!;
      const current = sorted[i]!;
      if (previous.gatewayId !== current.gatewayId) expect(Date.parse(current.issuedAt)).toBeGreaterThanOrEqual(Date.parse(previous.args.expiresAt));
    }
  };

  it('grants a pull-mode device to one gateway, renews it while it heartbeats, and moves it when the holder goes silent', async () => {
    const serial = 'ZKTCP-1';
    const a = await startGateway('a', [{ serial, protocol: 'zk-tcp', reachable: true }]);
    const first = await waitFor(() => grantsFor(a, serial)[0], { description: 'a lease grant to gateway a', timeoutMs: 30_000 });
    expect(first.args.fencingToken).toBe(1);

    const b = await startGateway('b', [{ serial, protocol: 'zk-tcp', reachable: true }]);
    // a keeps renewing (same lease id and token, later expiry) while b reaches the device too.
    await waitFor(() => grantsFor(a, serial).length >= 3, { description: 'two renewals of a\u2019s lease', timeoutMs: 30_000 });
    const renewals = grantsFor(a, serial);
    expect(new Set(renewals.map((g) => g.args.leaseId))).toEqual(new Set([first.args.leaseId]));
    expect(new Set(renewals.map((g) => g.args.fencingToken))).toEqual(new Set([1]));
    expect(Date.parse(renewals[renewals.length - 1]!.args.expiresAt)).toBeGreaterThan(Date.parse(first.args.expiresAt));
    expect(grantsFor(b, serial)).toEqual([]);
    expect((await leases()).map((l) => [l.deviceSerial, l.holderGatewayId, l.active])).toEqual([[serial, a.gatewayId, true]]);

    a.stopHeartbeats();
    const taken = await waitFor(() => grantsFor(b, serial)[0], { description: 'the lease to move to gateway b', timeoutMs: 30_000 });
    expect(taken.args.fencingToken).toBe(2);
    expect(taken.args.leaseId).not.toBe(first.args.leaseId);
    expectNoOverlap([...grantsFor(a, serial), ...grantsFor(b, serial)]);

    const revoke = await waitFor(() => a.commandsOf('lease-revoke').find((r) => r.args.deviceSerial === serial), { description: 'a revoke to the old holder', timeoutMs: 30_000 });
    expect(revoke.args).toEqual({ deviceSerial: serial, leaseId: first.args.leaseId, fencingToken: 1, reason: 'reassigned' });
    const [view] = await leases();
    expect(view).toMatchObject({ deviceSerial: serial, holderGatewayId: b.gatewayId, fencingToken: 2, active: true, previousGatewayId: a.gatewayId });
  });

  it('lets the lease of a holder that no longer reaches the device lapse to a gateway that does', async () => {
    const serial = 'HIK-2';
    const c = await startGateway('c', [
      { serial, protocol: 'hik-isapi', reachable: true },
      { serial: 'PUSH-ONLY', protocol: 'zk-push2', reachable: true },
    ]);
    const first = await waitFor(() => grantsFor(c, serial)[0], { description: 'a lease grant to gateway c', timeoutMs: 30_000 });
    c.devices[0]!.reachable = false; // c keeps heartbeating but has lost the device
    const d = await startGateway('d', [{ serial, protocol: 'hik-isapi', reachable: true }]);
    const taken = await waitFor(() => grantsFor(d, serial)[0], { description: 'the lease to move to gateway d', timeoutMs: 30_000 });
    expect(taken.args.fencingToken).toBe(first.args.fencingToken + 1);
    expectNoOverlap([...grantsFor(c, serial), ...grantsFor(d, serial)]);
    // A push device chooses its gateway itself: it never gets a lease.
    expect(gateways.flatMap((g) => g.commandsOf('lease-grant')).filter((g) => g.args.deviceSerial === 'PUSH-ONLY')).toEqual([]);
    expect((await leases()).map((l) => l.deviceSerial)).not.toContain('PUSH-ONLY');
  });

  it('sends a grant again when the holder\'s heartbeats show it never got it', async () => {
    const serial = 'ZKTCP-5';
    const e = new FakeGateway(`gw-e-${suffix}`, tenantId, siteId, [{ serial, protocol: 'zk-tcp', reachable: true }]);
    e.grantsToLose = 1;
    gateways.push(e);
    await e.start();
    await waitFor(() => e.leases.get(serial), { description: 'the lease held after a re-sent grant', timeoutMs: 30_000 });
    const [lost, resent] = grantsFor(e, serial);
    expect(resent!.args.leaseId).toBe(lost!.args.leaseId);
    expect(resent!.args.fencingToken).toBe(lost!.args.fencingToken);
    expect(resent!.args.expiresAt).toBe(lost!.args.expiresAt); // the same lease re-sent, not a renewal
  });

  it('never grants one device to two gateways, whatever the number of concurrent attempts', async () => {
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const client = new Client({ connectionString: database.url });
        await client.connect();
        return client;
      }),
    );
    try {
      const repositories = clients.map((client) => new LeasesRepository({ query: async (sql, params) => (await client.query(sql, params)).rows }));
      const serial = `RACE-${suffix}`;
      for (let round = 1; round <= 3; round++) {
        const results = await Promise.all(repositories.map((repository, i) => repository.tryGrant(tenantId, serial, siteId, `racer-${i}`, 1)));
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(Number(winners[0]!.fencing_token)).toBe(round);
        const holders = await pg.query('SELECT holder_gateway_id FROM sync.device_leases WHERE tenant_id = $1 AND device_serial = $2', [tenantId, serial]);
        expect(holders.rows).toEqual([{ holder_gateway_id: winners[0]!.holder_gateway_id }]);
        // While the lease is live, every further attempt fails.
        expect((await Promise.all(repositories.map((r, i) => r.tryGrant(tenantId, serial, siteId, `late-${i}`, 1)))).filter(Boolean)).toEqual([]);
        await waitFor(
          async () => (await pg.query('SELECT 1 FROM sync.device_leases WHERE tenant_id = $1 AND device_serial = $2 AND expires_at <= now()', [tenantId, serial])).rowCount === 1,
          { description: 'the lease to expire', timeoutMs: 10_000 },
        );
      }
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});

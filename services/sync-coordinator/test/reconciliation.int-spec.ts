import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { CompletenessV1Schema, TOPICS, type CompletenessV1, type GatewayCommandOf } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, silentKafkaLogger } from '@attendance/kafka';
import { collectTopic, createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type CollectedMessage, type IsolatedDatabase } from '@attendance/testing';
import type { RunReport } from '../src/reconciliation/reconciliation.service';
import { floorToHour } from '../src/reconciliation/hour-windows';
import { acceptedInHour, awayFromHourBoundary, hoursBefore } from './edge-sync/accepted-punches';
import { DirectoryFixture } from './edge-sync/directory-fixture';
import { FakeGateway, type Responder } from './edge-sync/fake-gateway';
import { adminKey, startSyncCoordinatorInProcess } from './sync-test-harness';

const HOUR_MS = 3_600_000;

describe('reconciliation, re-pull and completeness against real Kafka and Postgres', () => {
  const suffix = uniqueSuffix();
  const tenantId = `rec-${suffix}`;
  const otherTenant = `rec-other-${suffix}`;
  const siteId = 'site-a';
  const gatewayId = `gw-rec-${suffix}`;
  const serial = `ZK-REC-${suffix}`;
  const key = adminKey('ops', tenantId);
  const otherKey = adminKey('other', otherTenant);

  let database: IsolatedDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let pg: Client;
  let directory: DirectoryFixture;
  let producer: ContractProducer;
  let gateway: FakeGateway;
  const gateways: FakeGateway[] = [];
  let completeness: { messages: CollectedMessage[]; stop(): Promise<void> };
  let hour: Date;
  /** What the device itself holds per hour (its VERIFY SUM answer); the cloud starts one short at hour-2. */
  const deviceCounts = new Map<number, number>();
  const cloudCounts = new Map<number, number>();
  let countsLanded: () => boolean = () => false;

  const respond: Responder = async (command) => {
    if (command.type === 'verify-count') {
      await waitFor(() => countsLanded(), { description: 'accepted punches counted before the device answers', timeoutMs: 60_000 });
      return {
        deviceSerial: command.args.deviceSerial,
        outcome: 'succeeded',
        startedAt: new Date().toISOString(),
        counts: null,
        deviceCounts: command.args.windows.map((w) => ({ ...w, count: deviceCounts.get(Date.parse(w.from)) ?? 0 })),
        error: null,
      };
    }
    if (command.type !== 'backfill') return null;
    const { window, reason } = command.args;
    if (reason === 'operator' && Date.parse(window.from) < Date.now() - 32 * 24 * HOUR_MS) {
      return {
        deviceSerial: command.args.deviceSerial,
        outcome: 'failed',
        startedAt: new Date().toISOString(),
        counts: null,
        deviceCounts: null,
        error: { class: 'device-timeout', message: 'device did not answer DATA QUERY ATTLOG', deviceReturnCode: null },
      };
    }
    if (reason === 'count-mismatch') {
      // The re-read finds the punch the push path lost; it travels gateway → ingest → accepted as usual.
      const from = new Date(window.from);
      const missing = acceptedInHour(tenantId, siteId, serial, from, 1, 500);
      await producer.publish(TOPICS.punchAccepted, missing);
      cloudCounts.set(from.getTime(), (cloudCounts.get(from.getTime()) ?? 0) + 1);
      return { deviceSerial: serial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: { found: deviceCounts.get(from.getTime()) ?? 0, new: 1, quarantined: 0 }, deviceCounts: null, error: null };
    }
    return { deviceSerial: serial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: { found: 7, new: 2, quarantined: 0 }, deviceCounts: null, error: null };
  };

  const hourCounts = async () => {
    const rows = await pg.query<{ hour: Date; count: number }>('SELECT hour, count FROM sync.device_hour_counts WHERE tenant_id = $1 AND device_serial = $2', [tenantId, serial]);
    return new Map(rows.rows.map((r) => [new Date(r.hour).getTime(), r.count]));
  };
  const matchesCloud = async () => {
    const counted = await hourCounts();
    return [...cloudCounts].every(([h, n]) => (counted.get(h) ?? 0) === n);
  };
  const api = (path: string, init: RequestInit = {}, header = key.header) =>
    fetch(`${url}${path}`, { ...init, headers: { 'x-api-key': header, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const runsOf = async (device: string) => ((await (await api(`/api/v1/admin/devices/${device}/reconciliation-runs`)).json()) as { items: RunReport[] }).items;
  const runsOfDevice = () => runsOf(serial);
  const completenessOfSite = () =>
    completeness.messages.filter((m) => m.key === `${tenantId}:${siteId}`).map((m) => CompletenessV1Schema.parse(JSON.parse(m.value!)) as CompletenessV1);

  beforeAll(async () => {
    await awayFromHourBoundary();
    hour = floorToHour(new Date());
    database = await createIsolatedDatabase('sync_rec');
    ({ app, url } = await startSyncCoordinatorInProcess({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      SYNC_PUNCH_COUNTS_FROM_BEGINNING: 'false', // the shared broker holds other suites' punches
      SYNC_CONSUMER_GROUP_PREFIX: `sync-rec-${suffix}`,
      SYNC_ADMIN_API_KEYS: `${key.entry},${otherKey.entry}`,
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_RECONCILE_SETTLE_SECONDS: '0',
      SYNC_RECONCILE_WINDOW_HOURS: '2',
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    directory = new DirectoryFixture(pg);
    await directory.tenantWithSite(tenantId, siteId);
    await directory.tenantWithSite(otherTenant, siteId);
    await directory.gateway(tenantId, siteId, gatewayId);
    // Activated 5 hours ago (mid-hour): its watermark starts at hour-5, so 5 hours are due.
    await directory.device(tenantId, siteId, serial, 'zk-push2', new Date(hoursBefore(hour, 5).getTime() + 10 * 60_000));
    producer = new ContractProducer(createKafkaClient({ brokers: testInfra().kafkaBrokers, clientId: 'rec-test', ssl: false }, silentKafkaLogger), {
      source: '/test',
      logger: silentKafkaLogger,
    });
    await producer.connect();
    completeness = await collectTopic(TOPICS.completeness.name);
    // The punch-count group starts at the end of the topic: probe until a punch published now is counted.
    await waitFor(async () => {
      await producer.publish(TOPICS.punchAccepted, acceptedInHour(tenantId, siteId, 'PROBE', hoursBefore(hour, 30), 1, Math.floor(Math.random() * 1e6)));
      return waitFor(async () => (await pg.query("SELECT 1 FROM sync.device_hour_counts WHERE tenant_id = $1 AND device_serial = 'PROBE'", [tenantId])).rowCount, {
        description: 'probe counted',
        timeoutMs: 3000,
      }).catch(() => false);
    }, { description: 'the punch-count consumer to be reading', timeoutMs: 60_000 });
  });

  afterAll(async () => {
    await gateway?.stop();
    for (const other of gateways) await other.stop();
    await completeness?.stop();
    await producer?.disconnect();
    await app?.close();
    await pg?.end();
    await database?.drop();
  });

  it('counts accepted punches per device-hour once per eventId, even when an event is delivered twice', async () => {
    const perHour = [2, 1, 0, 3, 2]; // hour-5 .. hour-1
    const punches = perHour.flatMap((n, i) => acceptedInHour(tenantId, siteId, serial, hoursBefore(hour, 5 - i), n));
    perHour.forEach((n, i) => {
      const h = hoursBefore(hour, 5 - i).getTime();
      cloudCounts.set(h, n);
      deviceCounts.set(h, n + (i === 3 ? 1 : 0)); // the device holds one punch at hour-2 the cloud never got
    });
    await producer.publish(TOPICS.punchAccepted, punches);
    await producer.publish(TOPICS.punchAccepted, punches.slice(0, 3)); // redelivery: same eventIds
    await waitFor(matchesCloud, { description: 'hourly counts of the accepted punches', timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // room for a wrong double count to show up
    const counted = await hourCounts();
    expect(counted.get(hoursBefore(hour, 5).getTime())).toBe(2);
    expect(counted.get(hoursBefore(hour, 3).getTime())).toBeUndefined();
    expect([...counted.values()].reduce((a, b) => a + b, 0)).toBe(8);
    countsLanded = () => true;
  });

  it('verifies device counts, backfills the hour that differs, reports the run and advances completeness', async () => {
    gateway = new FakeGateway(gatewayId, tenantId, siteId, [{ serial, protocol: 'zk-push2', reachable: true }], respond);
    await gateway.start();

    const [run] = await waitFor(async () => {
      const runs = await runsOfDevice();
      return runs.length > 0 && runs[0]!.status !== 'running' ? runs : null;
    }, { description: 'the scheduled run to finish', timeoutMs: 90_000 });

    const [verify] = gateway.commandsOf('verify-count');
    expect(verify!.args.deviceSerial).toBe(serial);
    expect(verify!.requestedBy).toBeNull();
    expect(verify!.args.windows.map((w) => w.from)).toEqual([5, 4, 3, 2, 1].map((n) => hoursBefore(hour, n).toISOString()));
    const backfills = gateway.commandsOf('backfill');
    expect(backfills.map((b) => b.args)).toEqual([
      { deviceSerial: serial, window: { from: hoursBefore(hour, 2).toISOString(), to: hoursBefore(hour, 1).toISOString() }, reason: 'count-mismatch' },
    ]);

    expect(run).toMatchObject({
      trigger: 'schedule',
      requestedBy: null,
      status: 'succeeded',
      gatewayId,
      window: { from: hoursBefore(hour, 5).toISOString(), to: hour.toISOString() },
      report: { found: 4, new: 1, windowsVerified: 4, windowsMismatched: 1, errors: [] },
    });
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect(run!.commands.map((c) => [c.type, c.outcome])).toEqual([
      ['verify-count', 'succeeded'],
      ['backfill', 'succeeded'],
    ]);

    // hour-5 .. hour-3 verified, hour-2 not yet: the site is complete up to hour-2, and says so on Kafka.
    const first = await waitFor(() => completenessOfSite()[0], { description: 'a completeness watermark for the site', timeoutMs: 30_000 });
    expect(first.completeUpTo).toBe(hoursBefore(hour, 2).toISOString());
    expect(first.devices).toEqual([expect.objectContaining({ deviceSerial: serial, completeUpTo: hoursBefore(hour, 2).toISOString() })]);
    const overHttp = (await (await api(`/api/v1/admin/sites/${siteId}/completeness`)).json()) as CompletenessV1;
    expect(overHttp.completeUpTo).toBe(hoursBefore(hour, 2).toISOString());
  });

  it('verifies the recovered hour at the next run and advances the watermark to the last complete hour', async () => {
    await waitFor(matchesCloud, { description: 'the recovered punch counted', timeoutMs: 60_000 });
    await pg.query('UPDATE sync.device_sync_state SET last_scheduled_at = NULL WHERE tenant_id = $1', [tenantId]); // the next hour came
    const latest = await waitFor(() => {
      const seen = completenessOfSite();
      return seen.length >= 2 ? seen[seen.length - 1] : null;
    }, { description: 'the watermark to advance again', timeoutMs: 90_000 });
    expect(latest!.completeUpTo).toBe(hour.toISOString());
    const runs = await waitFor(async () => {
      const all = await runsOfDevice();
      return all.length >= 2 && all[0]!.status !== 'running' ? all : null;
    }, { description: 'the second run to finish', timeoutMs: 30_000 });
    expect(runs[0]).toMatchObject({ status: 'succeeded', report: { windowsVerified: 2, windowsMismatched: 0, found: 0 } });
    expect(gateway.commandsOf('backfill')).toHaveLength(1); // nothing differed, nothing re-read
    const published = completenessOfSite().map((c) => Date.parse(c.completeUpTo));
    expect(published).toEqual([...published].sort((a, b) => a - b)); // never backwards
  });

  it('re-pulls a device for an operator window and reports found, new and errors', async () => {
    const from = new Date(Date.now() - 3 * 24 * HOUR_MS).toISOString();
    const to = new Date(Date.now() - 24 * HOUR_MS).toISOString();
    const answer = await api(`/api/v1/admin/devices/${serial}/repull`, { method: 'POST', body: JSON.stringify({ from, to }) });
    expect(answer.status).toBe(202);
    const { runId } = (await answer.json()) as { runId: string };
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);

    const report = await waitFor(async () => {
      const body = (await (await api(`/api/v1/admin/reconciliation-runs/${runId}`)).json()) as RunReport;
      return body.status !== 'running' ? body : null;
    }, { description: 'the re-pull report', timeoutMs: 60_000 });
    expect(report).toMatchObject({ runId, trigger: 'operator', requestedBy: 'api-key:ops', status: 'succeeded', window: { from, to }, report: { found: 7, new: 2, errors: [] } });
    const sent = gateway.commandsOf('backfill').find((c) => c.args.reason === 'operator') as GatewayCommandOf<'backfill'>;
    expect(sent).toMatchObject({ requestedBy: 'api-key:ops', args: { deviceSerial: serial, window: { from, to }, reason: 'operator' } });

    // Another tenant's key cannot read the run.
    expect((await api(`/api/v1/admin/reconciliation-runs/${runId}`, {}, otherKey.header)).status).toBe(404);
  });

  it('splits a long re-pull into contract-sized windows and reports a failed piece as partial', async () => {
    const from = new Date(Date.now() - 40 * 24 * HOUR_MS).toISOString();
    const to = new Date(Date.now() - 24 * HOUR_MS).toISOString();
    const answer = await api(`/api/v1/admin/devices/${serial}/repull`, { method: 'POST', body: JSON.stringify({ from, to }) });
    const { runId } = (await answer.json()) as { runId: string };
    const report = await waitFor(async () => {
      const body = (await (await api(`/api/v1/admin/reconciliation-runs/${runId}`)).json()) as RunReport;
      return body.status !== 'running' ? body : null;
    }, { description: 'the long re-pull report', timeoutMs: 60_000 });
    expect(report.commands).toHaveLength(2);
    expect(report.status).toBe('partial');
    expect(report.report.found).toBe(7);
    expect(report.report.errors).toEqual([expect.objectContaining({ type: 'backfill', outcome: 'failed', class: 'device-timeout' })]);
    expect(report.error).toMatch(/device-timeout/);
  });

  it('reconciles a device without its own count by re-reading the window, verified when it finds what the cloud has', async () => {
    const hikSite = 'site-b';
    const hikSerial = `HIK-${suffix}`;
    const hikGateway = `gw-hik-${suffix}`;
    await directory.site(tenantId, hikSite);
    await directory.gateway(tenantId, hikSite, hikGateway);
    await directory.device(tenantId, hikSite, hikSerial, 'hik-isapi', new Date(hoursBefore(hour, 3).getTime() + 60_000));
    const punches = [...acceptedInHour(tenantId, hikSite, hikSerial, hoursBefore(hour, 3), 2), ...acceptedInHour(tenantId, hikSite, hikSerial, hoursBefore(hour, 2), 1)];
    await producer.publish(TOPICS.punchAccepted, punches);
    const counted = async () =>
      Number((await pg.query('SELECT coalesce(sum(count), 0) AS n FROM sync.device_hour_counts WHERE tenant_id = $1 AND device_serial = $2', [tenantId, hikSerial])).rows[0].n);
    await waitFor(async () => (await counted()) === 3, { description: 'the hik punches counted', timeoutMs: 60_000 });

    const hik = new FakeGateway(hikGateway, tenantId, hikSite, [{ serial: hikSerial, protocol: 'hik-isapi', reachable: true }], async (command) => {
      if (command.type === 'verify-count') {
        const error = { class: 'unsupported-command', message: 'ISAPI has no device count', deviceReturnCode: null };
        return { deviceSerial: hikSerial, outcome: 'rejected', startedAt: null, counts: null, deviceCounts: null, error };
      }
      if (command.type !== 'backfill') return null;
      return { deviceSerial: hikSerial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: { found: 3, new: 0, quarantined: 0 }, deviceCounts: null, error: null };
    });
    gateways.push(hik);
    await hik.start();

    const published = await waitFor(() => completeness.messages.find((m) => m.key === `${tenantId}:${hikSite}`), { description: 'completeness of the hik site', timeoutMs: 90_000 });
    expect(JSON.parse(published.value!)).toMatchObject({ siteId: hikSite, completeUpTo: hour.toISOString() });
    const [backfill] = hik.commandsOf('backfill');
    expect(backfill!.args).toEqual({ deviceSerial: hikSerial, window: { from: hoursBefore(hour, 3).toISOString(), to: hour.toISOString() }, reason: 'reconciliation' });
    const runs = ((await (await api(`/api/v1/admin/devices/${hikSerial}/reconciliation-runs`)).json()) as { items: RunReport[] }).items;
    expect(runs[0]).toMatchObject({ status: 'succeeded', report: { found: 3, windowsVerified: 3, deviceCount: 'unsupported', errors: [] } });
  });

  it('backfills the spell a device was out of contact', async () => {
    const gapSite = 'site-c';
    const gapSerial = `GAP-${suffix}`;
    const gapGateway = `gw-gap-${suffix}`;
    await directory.site(tenantId, gapSite);
    await directory.gateway(tenantId, gapSite, gapGateway);
    await directory.device(tenantId, gapSite, gapSerial, 'zk-push2', hoursBefore(hour, 1));
    const lost = new FakeGateway(gapGateway, tenantId, gapSite, [{ serial: gapSerial, protocol: 'zk-push2', reachable: false }], async (command) => {
      if (command.type === 'verify-count') {
        const deviceCounts = command.args.windows.map((w) => ({ ...w, count: 0 }));
        return { deviceSerial: gapSerial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: null, deviceCounts, error: null };
      }
      if (command.type !== 'backfill') return null;
      return { deviceSerial: gapSerial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: { found: 0, new: 0, quarantined: 0 }, deviceCounts: null, error: null };
    });
    gateways.push(lost);
    await lost.start();
    await waitFor(
      async () => (await pg.query('SELECT 1 FROM sync.gateway_device_contacts WHERE device_serial = $1 AND NOT reachable', [gapSerial])).rowCount === 1,
      { description: 'the device reported unreachable', timeoutMs: 30_000 },
    );
    const lostSince = Date.now();
    expect(await runsOf(gapSerial)).toEqual([]); // nobody reaches it: nothing to ask
    lost.devices[0]!.reachable = true;

    const [run] = await waitFor(async () => {
      const runs = await runsOf(gapSerial);
      return runs.length > 0 && runs[0]!.status !== 'running' ? runs : null;
    }, { description: 'the run after contact came back', timeoutMs: 60_000 });
    const gapBackfill = run!.commands.find((c) => c.type === 'backfill');
    expect(gapBackfill).toMatchObject({ reason: 'gap-detected', outcome: 'succeeded' });
    expect(Date.parse(gapBackfill!.window.from)).toBeLessThanOrEqual(lostSince);
    expect(Date.parse(gapBackfill!.window.to)).toBeGreaterThan(lostSince);
    const gaps = await pg.query('SELECT run_id FROM sync.contact_gaps WHERE device_serial = $1', [gapSerial]);
    expect(gaps.rows).toEqual([{ run_id: run!.runId }]);
  });

  it('waits for the edge backlog of a device to drain before reconciling it', async () => {
    const site = 'site-d';
    const busySerial = `BKL-${suffix}`;
    const busyGateway = `gw-bkl-${suffix}`;
    await directory.site(tenantId, site);
    await directory.gateway(tenantId, site, busyGateway);
    await directory.device(tenantId, site, busySerial, 'zk-push2', hoursBefore(hour, 2));
    const busy = new FakeGateway(busyGateway, tenantId, site, [{ serial: busySerial, protocol: 'zk-push2', reachable: true, backlog: 40 }], async (command) =>
      command.type === 'verify-count'
        ? { deviceSerial: busySerial, outcome: 'succeeded', startedAt: new Date().toISOString(), counts: null, deviceCounts: command.args.windows.map((w) => ({ ...w, count: 0 })), error: null }
        : null,
    );
    gateways.push(busy);
    await busy.start();
    await waitFor(
      async () => (await pg.query('SELECT 1 FROM sync.gateway_device_contacts WHERE device_serial = $1 AND backlog_count = 40', [busySerial])).rowCount === 1,
      { description: 'the backlog reported', timeoutMs: 30_000 },
    );
    await new Promise((resolve) => setTimeout(resolve, 3000)); // three scheduler ticks
    expect(busy.commandsOf('verify-count')).toEqual([]);
    expect(await runsOf(busySerial)).toEqual([]);

    busy.devices[0]!.backlog = 0;
    const [run] = await waitFor(async () => {
      const runs = await runsOf(busySerial);
      return runs.length > 0 && runs[0]!.status !== 'running' ? runs : null;
    }, { description: 'the run once the backlog drained', timeoutMs: 60_000 });
    expect(run).toMatchObject({ status: 'succeeded', report: { windowsVerified: 2 } });
  });

  it('answers bad re-pull requests with clear 4xx', async () => {
    const now = Date.now();
    const backwards = await api(`/api/v1/admin/devices/${serial}/repull`, {
      method: 'POST',
      body: JSON.stringify({ from: new Date(now - HOUR_MS).toISOString(), to: new Date(now - 2 * HOUR_MS).toISOString() }),
    });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(await backwards.json())).toMatch(/from must be before to/);
    const unknown = await api('/api/v1/admin/devices/NOPE/repull', {
      method: 'POST',
      body: JSON.stringify({ from: new Date(now - 2 * HOUR_MS).toISOString(), to: new Date(now - HOUR_MS).toISOString() }),
    });
    expect(unknown.status).toBe(404);
    expect((await api(`/api/v1/admin/devices/${serial}/repull`, { method: 'POST', body: '{}' }, 'ops.wrong')).status).toBe(401);
  });

  it('counts commands, runs and recovered punches in its metrics', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/sync_gateway_commands_sent_total\{[^}]*type="verify-count"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sync_reconciliation_runs_finished_total\{[^}]*status="partial"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sync_backfill_punches_new_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/sync_accepted_punches_redelivered_total\{[^}]*\} [1-9]/);
  });

  it('documents its endpoints in the service\'s OpenAPI document', async () => {
    const document = (await (await fetch(`${url}/api/docs-json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/admin/devices/{serial}/repull', '/api/v1/admin/reconciliation-runs/{runId}', '/api/v1/admin/sites/{siteId}/completeness', '/api/v1/admin/leases']),
    );
    expect(document.components.schemas.RepullRequest).toMatchObject({ type: 'object', required: ['from', 'to'] });
  });
});

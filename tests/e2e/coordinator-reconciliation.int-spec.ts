import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { TOPICS } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, silentKafkaLogger } from '@attendance/kafka';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { AdmsDevice, type AttlogPunch } from '../../tools/simulators/adms-device';
import { deviceLocalTime } from '../../tools/simulators/device-clock';
import { HikvisionDevice } from '../../tools/simulators/hikvision-device';
import { ZkTcpDevice } from '../../tools/simulators/zk-tcp-device';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import type { RunReport } from '../../services/sync-coordinator/src/reconciliation/reconciliation.service';
import { acceptedInHour, awayFromHourBoundary, hoursBefore } from '../../services/sync-coordinator/test/edge-sync/accepted-punches';
import { adminKey, httpClient, startSyncCoordinatorInProcess } from '../../services/sync-coordinator/test/sync-test-harness';
import { startGateway, startIngest } from './in-process-services';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Issue 5, across the real services: an ADMS device's push path loses a punch; sync-coordinator's
 * reconciliation finds it from the device's own count (VERIFY SUM ATTLOG, asked through the gateway) against
 * its hourly counts of accepted punches, commands a backfill, the gateway re-reads it from the device
 * (DATA QUERY ATTLOG), and ingest stores it in Postgres once. The gateway's own scheduled re-read is off
 * (RECONCILE_INTERVAL_MINUTES=0), so only the coordinator can recover it. A second device is recovered by an
 * operator re-pull of a window older than the scheduled one.
 */
describe('sync-coordinator reconciliation recovers a dropped punch (ADMS device → gateway → Kafka → ingest → Postgres)', () => {
  const suffix = uniqueSuffix();
  const tenantId = `tenant-corec-${suffix}`;
  const probeTenant = `probe-corec-${suffix}`;
  const siteId = 'site-corec';
  const gatewayId = `gw-corec-${suffix}`;
  // Two devices: one recovered by the schedule, one by an operator re-pull.
  const scheduledSerial = `ADS${suffix}`.slice(0, 20);
  const repullSerial = `ADO${suffix}`.slice(0, 20);
  const key = adminKey(`ops-${suffix}`, tenantId);
  let database: IsolatedDatabase;
  let dataDir: string;
  let ingest: INestApplication;
  let coordinator: NestFastifyApplication;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let admin: ReturnType<typeof httpClient>;
  let producer: ContractProducer;
  let pg: Client;
  let scheduledDevice: AdmsDevice;
  let repullDevice: AdmsDevice;
  let hour: Date;
  let polling = true;
  let poller: Promise<void> = Promise.resolve();
  let lostScheduled: AttlogPunch;
  let lostRepull: AttlogPunch;
  // A second gateway of the site, for pull-mode devices under leases.
  const leaseGatewayId = `gw-colease-${suffix}`;
  const zkSerial = `ZKL${suffix}`.slice(0, 20);
  const hikSerial = `HKL${suffix}`.slice(0, 20);
  let leaseDir: string | undefined;
  let leaseGateway: INestApplication | undefined;
  let zk: ZkTcpDevice | undefined;
  let hik: HikvisionDevice | undefined;

  const until = <T>(description: string, condition: () => T | Promise<T>) => waitFor(condition, { description, timeoutMs: 120_000, intervalMs: 250 });
  const at = (n: number, minutes: number) => new Date(hoursBefore(hour, n).getTime() + minutes * MINUTE_MS);
  const rowsOf = async (serial: string) =>
    (
      await pg.query<{ device_user_id: string; local_time: string }>(
        "SELECT device_user_id, to_char(local_time, 'YYYY-MM-DD HH24:MI:SS') AS local_time FROM ingest.punches WHERE tenant_id = $1 AND device_serial = $2 ORDER BY local_time",
        [tenantId, serial],
      )
    ).rows;
  const rowsOfIdentity = async (serial: string, punch: AttlogPunch) =>
    Number(
      (
        await pg.query<{ n: string }>('SELECT COUNT(*) AS n FROM ingest.punches WHERE tenant_id = $1 AND device_serial = $2 AND device_user_id = $3 AND local_time = $4::timestamp', [
          tenantId,
          serial,
          punch.pin,
          punch.localTime,
        ])
      ).rows[0]!.n,
    );
  const cloudHourCounts = async (serial: string) => {
    const rows = await pg.query<{ hour: Date; count: number }>('SELECT hour, count FROM sync.device_hour_counts WHERE tenant_id = $1 AND device_serial = $2', [tenantId, serial]);
    return new Map(rows.rows.map((r) => [new Date(r.hour).getTime(), r.count]));
  };
  const finishedRuns = async (serial: string) => {
    const { status, body } = await admin<{ items: RunReport[] }>('GET', `/api/v1/admin/devices/${serial}/reconciliation-runs`);
    expect(status).toBe(200);
    return body.items.filter((r) => r.status !== 'running');
  };

  /** The firmware's getrequest loop: each device polls for commands and answers them, as real devices do. */
  async function pollDevices(): Promise<void> {
    while (polling) {
      for (const device of [scheduledDevice, repullDevice]) {
        await device.runCommands().catch(() => undefined); // a poll during shutdown; the next one retries
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    // The device log is placed in the last complete hours; a run straddling an hour boundary would shift them.
    await awayFromHourBoundary(120_000);
    hour = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS);
    const brokers = testInfra().kafkaBrokers.join(',');
    database = await createIsolatedDatabase('corec');
    ({ app: ingest } = await startIngest({ KAFKA_BROKERS: brokers, DATABASE_URL: database.url, INGEST_CONSUMER_GROUP: `ingest-corec-${suffix}` }));
    const started = await startSyncCoordinatorInProcess({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers,
      SYNC_ADMIN_API_KEYS: key.entry,
      SYNC_CONSUMER_GROUP_PREFIX: `sync-corec-${suffix}`,
      SYNC_PUNCH_COUNTS_FROM_BEGINNING: 'false', // the shared broker holds other suites' punches
      SYNC_SCHEDULER_TICK_SECONDS: '1',
      SYNC_RECONCILE_SETTLE_SECONDS: '0',
      SYNC_RECONCILE_WINDOW_HOURS: '5',
      SYNC_RECONCILE_INTERVAL_SECONDS: '3600', // one scheduled run per device in this test
    });
    coordinator = started.app;
    admin = httpClient(started.url, { 'x-api-key': key.header });

    dataDir = mkdtempSync(join(tmpdir(), 'gateway-corec-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: scheduledSerial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' },
          { serial: repullSerial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' },
        ],
      }),
    );
    let deviceUrl: string;
    ({ app: gateway, runtime, deviceUrl } = await startGateway({
      KAFKA_BROKERS: brokers,
      GATEWAY_ID: gatewayId,
      TENANT_ID: tenantId,
      SITE_ID: siteId,
      SITE_TIME_ZONE: 'Asia/Kolkata',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      HEARTBEAT_INTERVAL_MS: '2000',
      // Off: the gateway must not re-read devices on its own; the coordinator's commands are the only way back.
      RECONCILE_INTERVAL_MINUTES: '0',
    }));
    await runtime.commands.ready();
    scheduledDevice = new AdmsDevice(scheduledSerial, deviceUrl, 'Asia/Kolkata');
    repullDevice = new AdmsDevice(repullSerial, deviceUrl, 'Asia/Kolkata');
    pg = new Client({ connectionString: database.url });
    await pg.connect();

    // The punch-count group starts at the end of the topic: probe until a punch published now is counted.
    producer = new ContractProducer(createKafkaClient({ brokers: testInfra().kafkaBrokers, clientId: 'corec-probe', ssl: false }, silentKafkaLogger), {
      source: '/test',
      logger: silentKafkaLogger,
    });
    await producer.connect();
    await until('the punch-count consumer to be reading', async () => {
      await producer.publish(TOPICS.punchAccepted, acceptedInHour(probeTenant, siteId, 'PROBE', hoursBefore(hour, 30), 1, Math.floor(Math.random() * 1e6)));
      return waitFor(async () => (await pg.query('SELECT 1 FROM sync.device_hour_counts WHERE tenant_id = $1', [probeTenant])).rowCount, {
        description: 'probe counted',
        timeoutMs: 3000,
      }).catch(() => false);
    });

    // The directory knows the site and the devices, not the gateway yet: its heartbeats are ignored, so no
    // reconciliation starts before the delivered punches are counted.
    expect((await admin('PUT', '/api/v1/admin/sites/' + siteId, { name: 'Corec plant', timeZone: 'Asia/Kolkata' })).status).toBeLessThan(300);
    for (const serial of [scheduledSerial, repullSerial]) {
      expect((await admin('PUT', `/api/v1/admin/devices/${serial}`, { protocol: 'zk-push2', siteId, name: `door ${serial}` })).status).toBeLessThan(300);
    }

    // Device logs: the scheduled device has one punch in each of hour-3, hour-2, hour-1, and the push path
    // loses the one at hour-2; the re-pull device's log is 30 hours old (outside the scheduled window).
    await scheduledDevice.handshake();
    await repullDevice.handshake();
    scheduledDevice.recordPunch(scheduledDevice.punchNow('61', at(3, 20)));
    lostScheduled = scheduledDevice.recordPunch(scheduledDevice.punchNow('62', at(2, 20)), { dropFromPush: true });
    scheduledDevice.recordPunch(scheduledDevice.punchNow('63', at(1, 20)));
    repullDevice.recordPunch(repullDevice.punchNow('71', at(30, 10)));
    lostRepull = repullDevice.recordPunch(repullDevice.punchNow('72', at(29, 10)), { dropFromPush: true });
    expect(await scheduledDevice.pushNew()).toMatchObject({ status: 200, body: 'OK: 2' });
    expect(await repullDevice.pushNew()).toMatchObject({ status: 200, body: 'OK: 1' });
    await until('the delivered punches in Postgres', async () => (await rowsOf(scheduledSerial)).length === 2 && (await rowsOf(repullSerial)).length === 1);
    await until('the delivered punches counted per hour', async () => {
      const counts = await cloudHourCounts(scheduledSerial);
      return counts.get(hoursBefore(hour, 3).getTime()) === 1 && counts.get(hoursBefore(hour, 1).getTime()) === 1;
    });
    expect((await cloudHourCounts(scheduledSerial)).get(hoursBefore(hour, 2).getTime())).toBeUndefined();

    poller = pollDevices();
    // Now the gateway joins the directory; its next heartbeat says it reaches both devices.
    expect((await admin('POST', '/api/v1/admin/gateways', { gatewayId, name: 'Corec edge', siteId })).status).toBeLessThan(300);
  });

  afterAll(async () => {
    polling = false;
    await poller;
    await producer?.disconnect();
    await leaseGateway?.close();
    await zk?.stop();
    await hik?.close();
    if (leaseDir) rmSync(leaseDir, { recursive: true, force: true });
    await gateway?.close();
    await coordinator?.close();
    await ingest?.close();
    await pg?.end();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('scheduled run: VERIFY SUM shows the hour the cloud lacks, its backfill recovers the punch, stored once', async () => {
    const [run] = await until('the scheduled run of the device to finish', async () => {
      const runs = await finishedRuns(scheduledSerial);
      return runs.length > 0 ? runs : null;
    });
    expect(run).toMatchObject({
      trigger: 'schedule',
      requestedBy: null,
      status: 'succeeded',
      gatewayId,
      deviceSerial: scheduledSerial,
      report: { found: 1, new: 1, quarantined: 0, windowsVerified: 4, windowsMismatched: 1, errors: [] },
    });
    // The device was asked for its counts, then for the one hour that differed.
    expect(run!.commands.map((c) => [c.type, c.reason, c.outcome])).toEqual(
      expect.arrayContaining([
        ['verify-count', null, 'succeeded'],
        ['backfill', 'count-mismatch', 'succeeded'],
      ]),
    );
    const backfill = run!.commands.find((c) => c.reason === 'count-mismatch')!;
    expect(backfill.window).toEqual({ from: hoursBefore(hour, 2).toISOString(), to: hoursBefore(hour, 1).toISOString() });
    // ... by the device's own commands, in its local time (Asia/Kolkata), through the gateway's ADMS queue.
    const commands = scheduledDevice.commandsRun.map((c) => c.command);
    expect(commands.filter((c) => c.startsWith('VERIFY SUM ATTLOG'))).toHaveLength(5);
    expect(commands.filter((c) => c.startsWith('DATA QUERY ATTLOG'))).toHaveLength(1);
    const lostHour = `StartTime=${deviceLocalTime(hoursBefore(hour, 2), 'Asia/Kolkata')}\t`;
    expect(scheduledDevice.commandsRun.find((c) => c.command.startsWith('VERIFY SUM') && c.command.includes(lostHour))?.answer).toMatch(/AttlogSum=1$/);
    expect(commands.find((c) => c.startsWith('DATA QUERY ATTLOG'))).toContain(lostHour);

    const rows = await until('every punch of the device log in Postgres', async () => {
      const stored = await rowsOf(scheduledSerial);
      return stored.length >= scheduledDevice.attendanceLog.length ? stored : null;
    });
    expect(rows.map((r) => [r.device_user_id, r.local_time])).toEqual(scheduledDevice.attendanceLog.map((p) => [p.pin, p.localTime]));
    expect(await rowsOfIdentity(scheduledSerial, lostScheduled)).toBe(1);
    // The recovered punch was accepted and counted: the cloud's hour now matches the device.
    await until('the recovered punch counted in its hour', async () => (await cloudHourCounts(scheduledSerial)).get(hoursBefore(hour, 2).getTime()) === 1);
  });

  it('operator re-pull of an older window: found counts the window, new only the dropped punch, stored once', async () => {
    // The re-pull device's scheduled run saw nothing wrong in the recent hours (its log is older).
    const [scheduled] = await until('the scheduled run of the re-pull device to finish', async () => {
      const runs = await finishedRuns(repullSerial);
      return runs.length > 0 ? runs : null;
    });
    expect(scheduled).toMatchObject({ trigger: 'schedule', status: 'succeeded', report: { found: 0, new: 0, windowsMismatched: 0 } });
    expect(await rowsOf(repullSerial)).toHaveLength(1);

    const from = hoursBefore(hour, 32).toISOString();
    const to = hoursBefore(hour, 27).toISOString();
    const answer = await admin<{ runId: string; status: string }>('POST', `/api/v1/admin/devices/${repullSerial}/repull`, { from, to });
    expect(answer.status).toBe(202);
    const { runId } = answer.body;
    const report = await until('the re-pull run to finish', async () => {
      const { status, body } = await admin<RunReport>('GET', `/api/v1/admin/reconciliation-runs/${runId}`);
      return status === 200 && body.status !== 'running' ? body : null;
    });
    expect(report).toMatchObject({
      runId,
      trigger: 'operator',
      requestedBy: `api-key:${`ops-${suffix}`}`,
      status: 'succeeded',
      gatewayId,
      deviceSerial: repullSerial,
      window: { from, to },
      report: { found: 2, new: 1, quarantined: 0, errors: [] },
    });
    expect(report.commands.map((c) => [c.type, c.reason, c.outcome])).toEqual([['backfill', 'operator', 'succeeded']]);

    const rows = await until('both punches of the re-pull device in Postgres', async () => {
      const stored = await rowsOf(repullSerial);
      return stored.length >= repullDevice.attendanceLog.length ? stored : null;
    });
    // The re-read returned the delivered punch again; Postgres still holds one row per punch.
    expect(rows.map((r) => [r.device_user_id, r.local_time])).toEqual(repullDevice.attendanceLog.map((p) => [p.pin, p.localTime]));
    expect(await rowsOfIdentity(repullSerial, lostRepull)).toBe(1);
  });

  it('pull leases: a gateway that must not open a device without a lease gets one for its zk-tcp and hikvision devices, then pulls them', async () => {
    // The gateway's config names (zk-tcp, hikvision) reach the coordinator as the contract's (zk-tcp, hik-isapi),
    // which it treats as pull-mode. Under LEASES_REQUIRED the gateway never contacts a device before it holds
    // its lease, so its heartbeats can only say "not reachable, never contacted".
    zk = await ZkTcpDevice.start({ serial: zkSerial, timeZone: 'UTC', records: [{ uid: 1, userId: '81', verify: 1, state: 0, time: deviceLocalTime(at(2, 30), 'UTC') }] });
    hik = new HikvisionDevice({ timeZone: 'UTC', password: 'lease-pass' });
    const hikUrl = await hik.listen();
    hik.punch('82', { at: at(2, 40) });
    leaseDir = mkdtempSync(join(tmpdir(), 'gateway-colease-'));
    const file = join(leaseDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'UTC' },
          { serial: hikSerial, protocol: 'hikvision', baseUrl: hikUrl, username: 'admin', password: { env: 'HIK_LEASE_PASSWORD' }, timeZone: 'UTC' },
        ],
      }),
    );
    expect((await admin('POST', '/api/v1/admin/gateways', { gatewayId: leaseGatewayId, name: 'Corec pull edge', siteId })).status).toBeLessThan(300);
    let leaseRuntime: GatewayRuntime;
    ({ app: leaseGateway, runtime: leaseRuntime } = await startGateway({
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      GATEWAY_ID: leaseGatewayId,
      TENANT_ID: tenantId,
      SITE_ID: siteId,
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: leaseDir,
      GATEWAY_CONFIG: file,
      HIK_LEASE_PASSWORD: 'lease-pass',
      HEARTBEAT_INTERVAL_MS: '2000',
      LEASES_REQUIRED: 'true',
      RECONCILE_INTERVAL_MINUTES: '0',
    }));

    const held = await until('both pull devices leased to the gateway', async () => {
      const { body } = await admin<{ items: { deviceSerial: string; holderGatewayId: string; leaseId: string; fencingToken: number; active: boolean }[] }>('GET', '/api/v1/admin/leases');
      const mine = body.items.filter((l) => l.deviceSerial === zkSerial || l.deviceSerial === hikSerial);
      return mine.length === 2 && mine.every((l) => l.active) ? mine : null;
    });
    expect(held.map((l) => l.holderGatewayId)).toEqual([leaseGatewayId, leaseGatewayId]);
    const contacts = await pg.query<{ device_serial: string; protocol: string }>('SELECT device_serial, protocol FROM sync.gateway_device_contacts WHERE gateway_id = $1 ORDER BY device_serial', [leaseGatewayId]);
    expect(contacts.rows).toEqual(
      [
        { device_serial: hikSerial, protocol: 'hik-isapi' },
        { device_serial: zkSerial, protocol: 'zk-tcp' },
      ].sort((a, b) => a.device_serial.localeCompare(b.device_serial)),
    );
    // The gateway holds the same leases and, holding them, pulls both devices into Postgres.
    for (const lease of held) expect(leaseRuntime.leases.get(lease.deviceSerial)).toMatchObject({ leaseId: lease.leaseId, fencingToken: lease.fencingToken, revokedAt: null });
    await until('the pulled punches in Postgres', async () => (await rowsOf(zkSerial)).length === 1 && (await rowsOf(hikSerial)).length === 1);
    expect((await rowsOf(zkSerial))[0]!.device_user_id).toBe('81');
    expect((await rowsOf(hikSerial))[0]!.device_user_id).toBe('82');
  });
});

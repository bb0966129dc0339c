import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { PunchRawV1 } from '@attendance/contracts';
import { testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { HikvisionDevice } from '../../tools/simulators/hikvision-device';
import { ZkTcpDevice } from '../../tools/simulators/zk-tcp-device';
import { startGateway } from './in-process-services';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { ACS_EVENT_CURSOR } from '../../services/device-gateway/src/pull/hikvision-device-runner';

/**
 * ZK TCP and Hikvision devices (the independent simulators in tools/simulators) behind the real, wired gateway
 * runtime: punches must reach punch_outbox with the right UTC instant and source, reconnects and serial gaps
 * must trigger backfills, and every punch must be stored once whatever path it arrived by.
 */
describe('pull-mode devices wired into the gateway runtime', () => {
  const suffix = uniqueSuffix();
  const zkSerial = `ZK${suffix}`.slice(0, 20);
  const hikSerial = `HIK${suffix}`.slice(0, 20);
  let dataDir: string;
  let zk: ZkTcpDevice;
  let hik: HikvisionDevice;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let deviceUrl: string;

  // Generous: device sessions reconnect with jittered backoff on a shared, busy machine.
  const until = (condition: () => boolean) => waitFor(condition, { description: condition.toString().slice(0, 200), timeoutMs: 45_000 });
  const punches = (serial: string): PunchRawV1[] =>
    (runtime.store.db.prepare('SELECT payload FROM punch_outbox WHERE device_serial = ? ORDER BY id').all(serial) as { payload: string }[]).map(
      (row) => JSON.parse(row.payload) as PunchRawV1,
    );
  const byUser = (serial: string, userId: string) => punches(serial).filter((p) => p.deviceUserId === userId);
  const events = (serial: string): { type: string; state?: string; level?: string }[] =>
    (runtime.store.db.prepare('SELECT payload FROM device_event_outbox WHERE device_serial = ? ORDER BY id').all(serial) as { payload: string }[]).map(
      (row) => JSON.parse(row.payload) as { type: string },
    );

  beforeAll(async () => {
    zk = await ZkTcpDevice.start({
      serial: zkSerial,
      timeZone: 'Asia/Kolkata',
      recordCapacity: 3,
      records: [
        { uid: 1, userId: '0012', verify: 1, state: 0, time: '2024-03-01 09:00:00' },
        { uid: 2, userId: '77', verify: 15, state: 1, time: '2024-03-01 18:30:05' },
        // A reset clock: quarantined with its bytes, never dropped.
        { uid: 3, userId: '78', verify: 1, state: 0, time: '2000-01-01 00:00:00' },
      ],
    });
    zk.setClockOffset(5 * 60_000);
    hik = new HikvisionDevice({ timeZone: 'America/Sao_Paulo', password: 'hik-pass-1' });
    hik.clockOffsetMs = -3 * 60_000;
    const hikUrl = await hik.listen();
    hik.punch('501', { at: new Date('2024-03-01T11:00:00Z') });
    hik.addEvent({ major: 5, minor: 21 }); // door unlocked: not attendance
    hik.punch('502', { at: new Date('2024-03-01T12:00:07Z') });

    dataDir = mkdtempSync(join(tmpdir(), 'gateway-pull-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'Asia/Kolkata' },
          { serial: hikSerial, protocol: 'hikvision', baseUrl: hikUrl, username: 'admin', password: { env: 'HIK_TEST_PASSWORD' }, alertStream: true, timeZone: 'America/Sao_Paulo' },
        ],
      }),
    );
    ({ app: gateway, runtime, deviceUrl } = await startGateway({
      KAFKA_BROKERS: testInfra().kafkaBrokers.join(','),
      GATEWAY_ID: `gw-pull-${suffix}`,
      TENANT_ID: `tenant-${suffix}`,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      HIK_TEST_PASSWORD: 'hik-pass-1',
      // Long enough that only the first pull, reconnects and gaps trigger Hikvision reads in this test.
      PULL_INTERVAL_S: '3600',
    }));
  });

  afterAll(async () => {
    await gateway?.close();
    await zk?.stop();
    await hik?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  describe('ZK TCP', () => {
    it('stores the first full read as pull punches with the UTC instant of the device zone, and quarantines a reset clock', async () => {
      await until(() => punches(zkSerial).length === 2);
      const [first, second] = punches(zkSerial);
      expect(first).toMatchObject({ deviceUserId: '0012', localTime: '2024-03-01T09:00:00', timeZone: 'Asia/Kolkata', punchedAt: '2024-03-01T03:30:00Z', source: 'pull', protocol: 'zk-tcp', deviceCursor: '0' });
      expect(second).toMatchObject({ deviceUserId: '77', punchedAt: '2024-03-01T13:00:05Z', source: 'pull' });
      const quarantined = runtime.store.quarantine.latest(20).filter((q) => q.deviceSerial === zkSerial);
      expect(quarantined).toHaveLength(1);
      expect(quarantined[0]).toMatchObject({ reason: 'implausible-time' });
      expect(quarantined[0]!.rawLine).toHaveLength(40); // the record's exact bytes
    });

    it('reports online, clock skew and capacity, and keeps the state the heartbeat reads', async () => {
      await until(() => events(zkSerial).some((e) => e.type === 'capacity'));
      const types = events(zkSerial);
      expect(types).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'online' }), expect.objectContaining({ type: 'clock-skew', state: 'exceeded' })]));
      expect(types.find((e) => e.type === 'capacity')).toMatchObject({ level: 'critical' }); // 3 of 3 records
      const state = runtime.pull.health.states.get(zkSerial)!;
      expect(state.reachable).toBe(true);
      expect(state.clockSkewMs).toBeGreaterThan(4 * 60_000);
      expect(state.clockSkewMs).toBeLessThan(6 * 60_000);
      expect(state.recordsUsed).toBe(3);
      expect(state.recordsMax).toBe(3);
      expect(state.lastPunchAt).toBe('2024-03-01T13:00:05Z');
    });

    it('stores a realtime event as realtime, and the next read does not store it again', async () => {
      zk.punch({ uid: 4, userId: '90', verify: 1, state: 0, time: '2024-03-02 08:00:00' });
      await until(() => byUser(zkSerial, '90').length === 1);
      expect(byUser(zkSerial, '90')[0]).toMatchObject({ source: 'realtime', punchedAt: '2024-03-02T02:30:00Z' });
      const before = runtime.pull.health.states.get(zkSerial)!.lastContactAt!;
      (runtime.pull.devices.get(zkSerial) as { requestRead(): void }).requestRead();
      // A stored read records contact after its commit.
      await until(() => runtime.pull.health.states.get(zkSerial)!.lastContactAt! > before);
      expect(byUser(zkSerial, '90')).toHaveLength(1);
    });

    it('after a reconnect re-reads the log as a backfill: the punch made while away arrives, duplicates collapse', async () => {
      zk.disconnectAll();
      // Same tick: no session is open, so only the read after the reconnect can find it.
      zk.records.push({ uid: 5, userId: '91', verify: 1, state: 0, time: '2024-03-02 09:15:00' });
      await until(() => byUser(zkSerial, '91').length === 1);
      expect(byUser(zkSerial, '91')[0]).toMatchObject({ source: 'backfill', punchedAt: '2024-03-02T03:45:00Z' });
      // The device returned its whole log; only the record not handled before was built and stored.
      const read = runtime.store.db.prepare("SELECT query FROM raw_request WHERE device_serial = ? AND table_name = 'ATTLOG' ORDER BY id DESC LIMIT 1").get(zkSerial) as { query: string };
      expect(read.query).toMatch(/trigger=reconnect .*records=5 unseen=1 /);
      const all = punches(zkSerial);
      expect(all).toHaveLength(4);
      expect(new Set(all.map((p) => p.eventId)).size).toBe(4);
      expect(events(zkSerial).map((e) => e.type)).toEqual(expect.arrayContaining(['online', 'offline']));
      // The reset-clock record came back on every read and is still quarantined once.
      expect(runtime.store.quarantine.latest(50).filter((q) => q.deviceSerial === zkSerial)).toHaveLength(1);
      expect(zk.counters.destructiveCommands).toBe(0);
    });
  });

  describe('Hikvision', () => {
    it('pulls AcsEvent punches (not door events) with the UTC instant and persists the serialNo cursor', async () => {
      await until(() => punches(hikSerial).length === 2);
      expect(punches(hikSerial)).toEqual([
        expect.objectContaining({ deviceUserId: '501', punchedAt: '2024-03-01T11:00:00Z', localTime: '2024-03-01T08:00:00', source: 'pull', protocol: 'hik-isapi', deviceCursor: '1' }),
        expect.objectContaining({ deviceUserId: '502', punchedAt: '2024-03-01T12:00:07Z', source: 'pull', deviceCursor: '3' }),
      ]);
      expect(runtime.pull.writer.cursors.get(hikSerial, ACS_EVENT_CURSOR)).toBe('3');
      // GET /ISAPI/System/time: the device runs 3 minutes behind.
      expect(events(hikSerial)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'online' }), expect.objectContaining({ type: 'clock-skew', state: 'exceeded' })]));
      expect(runtime.pull.health.states.get(hikSerial)!.clockSkewMs).toBeLessThan(-2 * 60_000);
    });

    it('stores alertStream punches as realtime', async () => {
      await until(() => hik.openStreams === 1);
      hik.punch('503');
      await until(() => byUser(hikSerial, '503').length === 1);
      expect(byUser(hikSerial, '503')[0]).toMatchObject({ source: 'realtime' });
    });

    it('backfills the serial range a frontSerialNo gap reveals', async () => {
      hik.loseNextInStream(1);
      const lost = hik.punch('504');
      hik.punch('505');
      await until(() => byUser(hikSerial, '504').length === 1 && byUser(hikSerial, '505').length === 1);
      expect(byUser(hikSerial, '504')[0]).toMatchObject({ source: 'backfill', deviceCursor: String(lost.serialNo) });
      expect(byUser(hikSerial, '505')[0]).toMatchObject({ source: 'realtime' });
      await until(() => runtime.pull.writer.cursors.openGaps(hikSerial).length === 0);
    });

    it('after an alertStream reconnect pulls by cursor as a backfill; what the stream already gave is not stored twice', async () => {
      hik.dropAlertStreams();
      hik.punch('506'); // no stream is open: only the pull after the reconnect can find it
      await until(() => byUser(hikSerial, '506').length === 1);
      expect(byUser(hikSerial, '506')[0]).toMatchObject({ source: 'backfill' });
      const all = punches(hikSerial);
      expect(all.map((p) => p.deviceUserId).sort()).toEqual(['501', '502', '503', '504', '505', '506']);
      expect(new Set(all.map((p) => p.eventId)).size).toBe(all.length);
    });

    it('accepts httpHosts pushes on the device port, stores the raw body first, and collapses them with the stream', async () => {
      hik.options.httpHostsUrl = `${deviceUrl}/hikvision/${hikSerial}`;
      await until(() => hik.openStreams === 1);
      hik.punch('507');
      await until(() => hik.stats.pushesSent >= 1);
      await until(() => byUser(hikSerial, '507').length === 1);
      expect(hik.stats.pushFailures).toBe(0);
      const raw = runtime.store.db.prepare("SELECT body FROM raw_request WHERE device_serial = ? AND table_name = 'httpHosts'").all(hikSerial) as { body: Buffer }[];
      expect(raw.length).toBeGreaterThanOrEqual(1);
      expect(raw.some((r) => r.body.toString('utf8').includes('"employeeNoString"'))).toBe(true);
      expect(byUser(hikSerial, '507')).toHaveLength(1);
      hik.options.httpHostsUrl = undefined;
    });

    it('answers a push for an unknown serial with 404, not as an ADMS request', async () => {
      const response = await fetch(`${deviceUrl}/hikvision/NOPE`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(response.status).toBe(404);
    });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { AdmsDevice } from '../../tools/simulators/adms-device';
import { deviceLocalTime } from '../../tools/simulators/device-clock';
import { ZkTcpDevice } from '../../tools/simulators/zk-tcp-device';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { startGateway, startIngest } from './in-process-services';

/**
 * Issue 5: a device loses a punch on its way to the gateway (an ADMS upload that never happened, a ZK record
 * whose realtime event never came); the scheduled reconciliation re-reads the device's recent window by its own
 * protocol, recovers it as `source=backfill`, counts it as recovered, and the punch lands in Postgres exactly
 * once, next to the punches that did arrive (which the re-read returns again).
 */
describe('reconciliation recovers punches the push path lost (device → gateway → Kafka → ingest → Postgres)', () => {
  const suffix = uniqueSuffix();
  const tenantId = `tenant-${suffix}`;
  const admsSerial = `ADR${suffix}`.slice(0, 20);
  const zkSerial = `ZKR${suffix}`.slice(0, 20);
  let database: IsolatedDatabase;
  let dataDir: string;
  let ingest: INestApplication;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let adms: AdmsDevice;
  let zk: ZkTcpDevice;
  let pg: Client;

  const until = <T>(description: string, condition: () => T | Promise<T>) => waitFor(condition, { description, timeoutMs: 90_000, intervalMs: 250 });
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers.join(',');
    database = await createIsolatedDatabase('reconcile');
    zk = await ZkTcpDevice.start({ serial: zkSerial, timeZone: 'UTC', records: [{ uid: 1, userId: '501', verify: 1, state: 0, time: deviceLocalTime(hoursAgo(3), 'UTC') }] });
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-reconcile-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: admsSerial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' },
          { serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'UTC' },
        ],
      }),
    );
    ({ app: ingest } = await startIngest({ KAFKA_BROKERS: brokers, DATABASE_URL: database.url, INGEST_CONSUMER_GROUP: `ingest-${suffix}` }));
    let deviceUrl: string;
    ({ app: gateway, runtime, deviceUrl } = await startGateway({
      KAFKA_BROKERS: brokers,
      GATEWAY_ID: `gw-rec-${suffix}`,
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      // Every 3 s over the last 24 h, so the test sees several passes.
      RECONCILE_INTERVAL_MINUTES: '0.05',
      RECONCILE_WINDOW_HOURS: '24',
    }));
    adms = new AdmsDevice(admsSerial, deviceUrl, 'Asia/Kolkata');
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await gateway?.close();
    await ingest?.close();
    await zk?.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('recovers the lost ADMS and ZK punches as backfill and stores every punch once in Postgres', async () => {
    await adms.handshake();
    const delivered = adms.recordPunch(adms.punchNow('41', hoursAgo(2)));
    const lost = adms.recordPunch(adms.punchNow('42', hoursAgo(1)), { dropFromPush: true });
    expect(await adms.pushNew()).toMatchObject({ status: 200, body: 'OK: 1' });
    await until('the first ZK read', () => runtime.pull.health.states.get(zkSerial)?.lastPunchAt);
    // On the ZK device's log, but its realtime event never reached the gateway.
    zk.records.push({ uid: 2, userId: '502', verify: 1, state: 1, time: deviceLocalTime(hoursAgo(1), 'UTC') });

    // The device answers DATA QUERY ATTLOG on its next getrequest poll, as firmware does.
    await until('a reconciliation DATA QUERY on the ADMS device', async () => {
      await adms.runCommands();
      return adms.commandsRun.some((c) => c.command.startsWith('DATA QUERY ATTLOG'));
    });

    const rows = await until('4 punches in Postgres', async () => {
      const result = await pg.query<{ device_serial: string; device_user_id: string; source: string }>(
        'SELECT device_serial, device_user_id, source FROM ingest.punches WHERE tenant_id = $1 ORDER BY device_user_id',
        [tenantId],
      );
      return result.rows.length === 4 ? result.rows : null;
    });
    expect(rows.map((r) => [r.device_serial, r.device_user_id])).toEqual([
      [admsSerial, delivered.pin],
      [admsSerial, lost.pin],
      [zkSerial, '501'],
      [zkSerial, '502'],
    ]);
    expect(rows.find((r) => r.device_user_id === '502')!.source).toBe('backfill');
    // The re-read returned the delivered punches again; Postgres still holds one row each.
    const duplicates = await pg.query('SELECT 1 FROM ingest.punches WHERE tenant_id = $1 GROUP BY device_serial, device_user_id, local_time HAVING COUNT(*) > 1', [tenantId]);
    expect(duplicates.rows).toEqual([]);

    // Counted as recovered, where the heartbeat and the operator look.
    await until('recovered counts recorded', () => runtime.pull.health.states.get(admsSerial)?.recoveredTotal === 1 && runtime.pull.health.states.get(zkSerial)?.recoveredTotal === 1);
    const metrics = await (await fetch(`${await gateway.getUrl()}/metrics`)).text();
    for (const serial of [admsSerial, zkSerial]) expect(metrics).toMatch(new RegExp(`^gateway_reconciliation_recovered_total\\{device="${serial}"[^}]*\\} 1$`, 'm'));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { createIsolatedDatabase, testInfra, uniqueSuffix, waitFor, type IsolatedDatabase } from '@attendance/testing';
import { AdmsDevice } from '../../tools/simulators/adms-device';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { startGateway, startIngest } from './in-process-services';

// Real captured ATTLOG lines (shared/research/device-protocols.md §1.4): the SPEC example and an MB560-VL
// capture with an empty workcode and extra trailing fields, sent with CRLF line ends.
const CAPTURED_BATCH = [
  '1452\t2015-07-30 15:16:28\t0\t1\t0\t0\t0',
  '8965\t2015-07-30 15:16:37\t0\t1\t0\t0\t0',
  '2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43',
].join('\r\n') + '\r\n';

const BATCH_WITH_MALFORMED_LINE = [
  '0042\t2024-01-15 08:00:00\t0\t15\t0\t0\t0',
  'garbage-without-a-time-field',
  '0043\t2024-02-30 08:00:00\t0\t15\t0\t0\t0',
].join('\n') + '\n';

describe('walking skeleton: ADMS device → gateway (SQLite) → Kafka → ingest → Postgres', () => {
  const tenantId = `tenant-${uniqueSuffix()}`;
  const kolkataSerial = `KOL${uniqueSuffix()}`.slice(0, 20);
  const newYorkSerial = `NYC${uniqueSuffix()}`.slice(0, 20);
  let database: IsolatedDatabase;
  let dataDir: string;
  let ingest: INestApplication;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let deviceUrl: string;
  let pg: Client;

  beforeAll(async () => {
    const infra = testInfra();
    database = await createIsolatedDatabase('skeleton');
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-'));
    const devicesFile = join(dataDir, 'devices.yaml');
    writeFileSync(
      devicesFile,
      `devices:\n  - serial: ${kolkataSerial}\n  - serial: ${newYorkSerial}\n    timeZone: America/New_York\n`,
    );
    ({ app: ingest } = await startIngest({
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: database.url,
      INGEST_CONSUMER_GROUP: `ingest-${uniqueSuffix()}`,
    }));
    ({ app: gateway, runtime, deviceUrl } = await startGateway({
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      GATEWAY_ID: 'gw-skeleton',
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'Asia/Kolkata',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: devicesFile,
    }));
    pg = new Client({ connectionString: database.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await gateway?.close();
    await ingest?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the handshake with the zone in minutes for a half-hour zone and a GMT Date header', async () => {
    const device = new AdmsDevice(kolkataSerial, deviceUrl, 'Asia/Kolkata');
    const reply = await device.handshake();
    expect(reply.status).toBe(200);
    expect(reply.body.split('\n')[0]).toBe(`GET OPTION FROM: ${kolkataSerial}`);
    expect(reply.options.get('TimeZone')).toBe('330');
    expect(reply.options.get('ATTLOGStamp')).toBe('None');
    const date = Date.parse(reply.headers.get('date') ?? '');
    expect(Math.abs(date - Date.now())).toBeLessThan(5000);
    expect(reply.headers.get('date')).toMatch(/GMT$/);
  });

  it('stores each valid punch exactly once with the right UTC instant, and quarantines the malformed lines', async () => {
    const kolkata = new AdmsDevice(kolkataSerial, deviceUrl, 'Asia/Kolkata');
    const newYork = new AdmsDevice(newYorkSerial, deviceUrl, 'America/New_York');

    expect((await kolkata.uploadAttlogBody(CAPTURED_BATCH)).body).toBe('OK: 3');
    // The device did not get (or did not believe) our OK and sends the same batch again: normal for ADMS.
    expect((await kolkata.uploadAttlogBody(CAPTURED_BATCH)).body).toBe('OK: 3');
    // Every line is accounted for (stored or quarantined), so the device may drop all three.
    expect((await newYork.uploadAttlogBody(BATCH_WITH_MALFORMED_LINE)).body).toBe('OK: 3');

    const rows = await waitFor(
      async () => {
        const result = await pg.query(
          `SELECT device_serial, device_user_id, to_char(local_time, 'YYYY-MM-DD"T"HH24:MI:SS') AS local_time,
                  time_zone, punched_at, direction, direction_raw, verify_mode, verify_mode_raw, work_code, raw, event_id
           FROM ingest.punches WHERE tenant_id = $1 ORDER BY punched_at`,
          [tenantId],
        );
        return result.rows.length >= 4 ? result.rows : null;
      },
      { description: '4 punches of the test tenant in Postgres', timeoutMs: 60_000, intervalMs: 250 },
    );

    expect(rows.map((r) => [r.device_serial, r.device_user_id, r.local_time, r.time_zone, (r.punched_at as Date).toISOString()])).toEqual([
      [kolkataSerial, '1452', '2015-07-30T15:16:28', 'Asia/Kolkata', '2015-07-30T09:46:28.000Z'],
      [kolkataSerial, '8965', '2015-07-30T15:16:37', 'Asia/Kolkata', '2015-07-30T09:46:37.000Z'],
      [kolkataSerial, '2', '2022-07-12T16:00:20', 'Asia/Kolkata', '2022-07-12T10:30:20.000Z'],
      [newYorkSerial, '0042', '2024-01-15T08:00:00', 'America/New_York', '2024-01-15T13:00:00.000Z'],
    ]);
    // Raw codes are kept beside the normalised values.
    expect(rows[2]).toMatchObject({ direction_raw: '1', verify_mode_raw: '15', verify_mode: 'face', work_code: null });
    expect(rows[2].raw).toBe('2\t2022-07-12 16:00:20\t1\t15\t\t0\t0\t\t\t43');

    // The resent batch really reached the cloud twice (at-least-once) and still left one row per punch.
    await waitFor(() => runtime.store.outbox.backlog().count === 0, { description: 'an empty gateway outbox', timeoutMs: 30_000 });
    const published = runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(kolkataSerial) as { n: number };
    expect(published.n).toBe(6);
    const { rows: perIdentity } = await pg.query(
      'SELECT COUNT(*)::int AS n FROM ingest.punches WHERE tenant_id = $1 GROUP BY device_serial, device_user_id, local_time HAVING COUNT(*) > 1',
      [tenantId],
    );
    expect(perIdentity).toEqual([]);

    const quarantined = runtime.store.quarantine.latest(10).filter((q) => q.deviceSerial === newYorkSerial);
    expect(quarantined.map((q) => [q.lineNumber, q.reason, q.rawLine.toString()]).sort()).toEqual([
      [2, 'missing-time', 'garbage-without-a-time-field'],
      [3, 'invalid-date', '0043\t2024-02-30 08:00:00\t0\t15\t0\t0\t0'],
    ]);
  });

  it('keeps data from an unknown device as pending and forwards none of it', async () => {
    const stranger = new AdmsDevice(`UNK${uniqueSuffix()}`.slice(0, 20), deviceUrl, 'Asia/Kolkata');
    expect((await stranger.uploadAttlogBody('7\t2024-03-01 09:00:00\t0\t1\t0\t0\t0\n')).body).toBe('OK: 1');
    expect(runtime.store.devices.get(stranger.serial)?.status).toBe('pending');
    const stored = runtime.store.db
      .prepare("SELECT outcome FROM raw_request WHERE device_serial = ?")
      .all(stranger.serial) as { outcome: string }[];
    expect(stored).toEqual([{ outcome: 'pending-device' }]);
    const outbox = runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(stranger.serial) as { n: number };
    expect(outbox.n).toBe(0);
  });
});

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { punchEventId, TOPICS } from '@attendance/contracts';
import { createKafkaClient, ensureTopics, silentKafkaLogger } from '@attendance/kafka';
import { collectTopic, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { findFreePort } from '../../tools/infra/ports';
import { AdmsDevice, isOkReply, type AttlogPunch } from '../../tools/simulators/adms-device';

/**
 * Guarantee 1 at the edge (DESIGN.md 3.1): a punch the gateway answered `OK` for is never lost. The real gateway
 * process is `kill -9`ed while 100 simulated devices push; it restarts on the same SQLite file. Devices behave
 * like firmware: a batch without `OK: n` is kept and sent again. Every acknowledged punch must reach Kafka.
 */
describe('device-gateway killed with -9 while 100 devices push', () => {
  const root = join(__dirname, '../..');
  const tenantId = `edge-crash-${uniqueSuffix()}`;
  let dataDir: string;
  let gateway: ChildProcess | null = null;

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs'), 'device-gateway'], { stdio: 'ignore' });
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-crash-'));
  });

  afterAll(() => {
    gateway?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every acknowledged punch to Kafka after the restart', async () => {
    const infra = testInfra();
    const serials = Array.from({ length: 100 }, (_, i) => `CRASH${String(i).padStart(4, '0')}`);
    writeFileSync(join(dataDir, 'devices.yaml'), `devices:\n${serials.map((s) => `  - serial: ${s}`).join('\n')}\n`);
    const devicePort = await findFreePort();
    const apiPort = await findFreePort();
    const env = {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      GATEWAY_ID: 'gw-crash',
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'Asia/Kolkata',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: join(dataDir, 'devices.yaml'),
      DEVICE_HTTP_PORT: String(devicePort),
      API_PORT: String(apiPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    const start = async () => {
      gateway = spawn(process.execPath, [join(root, 'dist/services/device-gateway/main.js')], { env, stdio: 'ignore' });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/health/live`)).ok, { description: 'the gateway to listen', timeoutMs: 30_000 });
    };
    const kafka = createKafkaClient({ brokers: infra.kafkaBrokers, clientId: 'edge-crash-test', ssl: false }, silentKafkaLogger);
    await ensureTopics(kafka, [TOPICS.punchRaw.name]);
    const raw = await collectTopic(TOPICS.punchRaw.name);

    const acknowledged = new Set<string>();
    const sent = new Set<string>();
    let stop = false;
    let ackedBeforeCrash = 0;
    const idOf = (serial: string, p: AttlogPunch) =>
      punchEventId({ tenantId, deviceSerial: serial, deviceUserId: p.pin, localTime: p.localTime });
    const runDevice = async (serial: string, index: number) => {
      const device = new AdmsDevice(serial, `http://127.0.0.1:${devicePort}`, 'Asia/Kolkata');
      let counter = 0;
      let pending: AttlogPunch[] = [];
      while (!stop || pending.length > 0) {
        if (pending.length === 0) {
          // Distinct local times per device: one punch = one identity.
          pending = Array.from({ length: 1 + (counter % 3) }, () => {
            const second = counter++;
            return { pin: String(100 + index), localTime: `2025-03-0${1 + Math.floor(second / 86400)} ${String(Math.floor((second % 86400) / 3600)).padStart(2, '0')}:${String(Math.floor((second % 3600) / 60)).padStart(2, '0')}:${String(second % 60).padStart(2, '0')}`, status: '0', verify: '1' };
          });
          for (const p of pending) sent.add(idOf(serial, p));
        }
        try {
          const reply = await device.uploadPunches(pending);
          if (isOkReply(reply, pending.length)) {
            for (const p of pending) acknowledged.add(idOf(serial, p));
            pending = [];
          }
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50)); // gateway down: keep the batch, retry
        }
      }
    };

    await start();
    const devices = serials.map((serial, i) => runDevice(serial, i));
    await waitFor(() => acknowledged.size >= 1500, { description: '1500 acknowledged punches', timeoutMs: 60_000 });
    gateway!.kill('SIGKILL');
    ackedBeforeCrash = acknowledged.size;
    await new Promise((resolve) => setTimeout(resolve, 500));
    await start();
    await waitFor(() => acknowledged.size >= ackedBeforeCrash + 1500, { description: '1500 more after the restart', timeoutMs: 60_000 });
    stop = true;
    await Promise.all(devices);

    const published = () => new Set(raw.messages.filter((m) => m.key?.startsWith(`${tenantId}:`)).map((m) => JSON.parse(m.value!).eventId as string));
    const missing = await waitFor(
      () => {
        const seen = published();
        const lost = [...acknowledged].filter((id) => !seen.has(id));
        return lost.length === 0 ? lost : null;
      },
      { description: 'every acknowledged punch on the raw topic', timeoutMs: 60_000 },
    );
    expect(missing).toEqual([]);
    expect(ackedBeforeCrash).toBeGreaterThanOrEqual(1500);
    // Nothing appears that no device sent, and at-least-once means duplicates are allowed, losses are not.
    expect([...published()].filter((id) => !sent.has(id))).toEqual([]);
    gateway!.kill('SIGTERM');
    await raw.stop();
  });
});

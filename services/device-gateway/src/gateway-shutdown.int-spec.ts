import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { bootstrapService, createRootLogger } from '@attendance/observability';
import { waitFor } from '@attendance/testing';
import { AppModule } from './app.module';
import { loadGatewayConfig } from './config/gateway.config';
import { GatewayRuntime } from './gateway-runtime';
import type { Uplink } from './relay/uplink';

const SERIAL = 'STOP0001';
/** A graceful-stop contract (docker stop allows 10 s before SIGKILL), not a speed figure. */
const STOP_BOUND_MS = 8_000;

interface OutboxRow {
  id: number;
  event_id: string;
  payload: string;
  published_at: string | null;
}

/**
 * A real gateway (real SQLite on disk, real HTTP, the real producer thread and kafkajs) whose broker is a closed
 * local port: kafkajs keeps retrying the relay's send (and the command consumer's join) for tens of seconds.
 */
describe('gateway stop with the broker unreachable', () => {
  let dir: string;
  let app: NestFastifyApplication | null = null;
  const logLines: { level: string; msg: string; err?: { message?: string } }[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-stop-'));
  });

  afterEach(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<{ app: NestFastifyApplication; runtime: GatewayRuntime; device: string }> {
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(configFile, `devices:\n  - serial: ${SERIAL}\n    name: Gate\n`);
    const config = loadGatewayConfig({
      GATEWAY_ID: 'gw-stop',
      TENANT_ID: 'tenant-stop',
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'Asia/Kolkata',
      GATEWAY_DATA_DIR: dir,
      GATEWAY_CONFIG: configFile,
      KAFKA_BROKERS: '127.0.0.1:9',
      API_PORT: '0',
      DEVICE_HTTP_PORT: '0',
      WS_PORT: '0',
      HOST: '127.0.0.1',
      RELAY_IDLE_POLL_MS: '50',
    });
    // every warning and error the gateway logs, to find a write to a closed database among them
    const destination = { write: (line: string) => void logLines.push(JSON.parse(line) as (typeof logLines)[number]) };
    const logger = createRootLogger({ service: 'device-gateway', version: 'test', level: 'warn', destination });
    app = await bootstrapService({ module: AppModule.register(config, logger), port: 0, host: '127.0.0.1', logger });
    const runtime = app.get(GatewayRuntime);
    return { app, runtime, device: runtime.deviceListenerUrl! };
  }

  /** Counts the relay's sends that have not settled yet (the uplink is shared; the relay looks it up per call). */
  function watchSends(uplink: Uplink): { inFlight: () => number; acknowledged: () => number } {
    let inFlight = 0;
    let acknowledged = 0;
    const publish = uplink.publishSerialized.bind(uplink);
    uplink.publishSerialized = ((contract, items) => {
      inFlight++;
      const sending = publish(contract, items);
      sending.then(
        () => void (inFlight--, acknowledged++),
        () => void inFlight--,
      );
      return sending;
    }) as Uplink['publishSerialized'];
    return { inFlight: () => inFlight, acknowledged: () => acknowledged };
  }

  it('stop() resolves within the bound with a publish in flight, and every buffered punch is still unsent and intact', async () => {
    const gateway = await start();
    const sends = watchSends(gateway.runtime.uplink);
    const databasePath = gateway.runtime.store.db.name;
    let stamp = 100;
    for (let upload = 0; upload < 3; upload++) {
      const lines = Array.from({ length: 5 }, (_, i) => `${upload * 10 + i + 1}\t2024-06-01 08:${String(upload * 10 + i).padStart(2, '0')}:00\t0\t1\n`).join('');
      const response = await fetch(`${gateway.device}/iclock/cdata?SN=${SERIAL}&table=ATTLOG&Stamp=${stamp++}`, { method: 'POST', body: lines });
      expect(await response.text()).toBe('OK: 5');
    }
    await waitFor(() => sends.inFlight() > 0, { description: 'the relay sending to the unreachable broker', timeoutMs: 20_000 });
    const before = gateway.runtime.store.db.prepare('SELECT id, event_id, payload, published_at FROM punch_outbox ORDER BY id').all() as OutboxRow[];
    expect(before).toHaveLength(15);

    const stopStarted = Date.now();
    await gateway.app.close();
    app = null;
    const stopMs = Date.now() - stopStarted;

    expect(stopMs).toBeLessThan(STOP_BOUND_MS);
    // the send was abandoned, not finished: kafkajs is still retrying it, and it was never acknowledged
    expect(sends.inFlight()).toBeGreaterThan(0);
    expect(sends.acknowledged()).toBe(0);
    const check = new Database(databasePath, { readonly: true });
    try {
      const after = check.prepare('SELECT id, event_id, payload, published_at FROM punch_outbox ORDER BY id').all() as OutboxRow[];
      expect(after).toEqual(before);
      expect(after.every((row) => row.published_at === null)).toBe(true);
    } finally {
      check.close();
    }
    // the store is closed only after every writer stopped (the command consumer's join retries outlast the
    // budget, so that may come later): nothing logs a write to a closed database meanwhile
    await waitFor(() => !gateway.runtime.store.db.open, { description: 'the store closed once the command consumer stopped', timeoutMs: 60_000 });
    const closedDatabase = logLines.filter((line) => /database|not open|closed/i.test(`${line.msg} ${line.err?.message ?? ''}`) && line.msg !== 'command consumer still joining Kafka; the store closes once it has stopped');
    expect(closedDatabase).toEqual([]);
    expect(logLines.filter((line) => line.level === 'error' || line.level === 'fatal')).toEqual([]);
  });
});

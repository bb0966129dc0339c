import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { PunchRawV1Schema, TOPICS } from '@attendance/contracts';
import { ContractProducer, ensureTopics } from '@attendance/kafka';
import { createRootLogger } from '@attendance/observability';
import { aRawPunch, collectTopic, rawPunchSeries, startTcpProxy, testInfra, uniqueSuffix, waitFor, type TcpProxy } from '@attendance/testing';
import { AdmsCommandQueue } from '../adms/adms-command-queue';
import { AdmsHttpServer } from '../adms/adms-http-server';
import { AdmsUploadService } from '../adms/adms-upload.service';
import type { GatewayConfig } from '../config/gateway.config';
import { GatewayMetrics } from '../health/gateway-metrics';
import { DiskBudget } from '../store/disk-budget';
import { EdgeStore } from '../store/edge-store';
import { OutboxRelay } from './outbox-relay';
import { OutboxRetention } from './outbox-retention';
import { Uplink } from './uplink';

const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'error' });

/**
 * A kafkajs client whose every connection (bootstrap AND the brokers named in metadata) goes through `proxy`,
 * so cutting the proxy takes Kafka away from this gateway alone, not from the shared broker.
 */
function kafkaThrough(proxy: TcpProxy): Kafka {
  return new Kafka({
    clientId: `gw-relay-test-${uniqueSuffix()}`,
    brokers: [`127.0.0.1:${proxy.port}`],
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.NOTHING,
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
  });
}

function attlogLine(pin: string, second: number): string {
  const hh = String(Math.floor(second / 3600)).padStart(2, '0');
  const mm = String(Math.floor((second % 3600) / 60)).padStart(2, '0');
  const ss = String(second % 60).padStart(2, '0');
  return `${pin}\t2026-03-02 ${hh}:${mm}:${ss}\t0\t1\t0\t0\t0`;
}

describe('punch relay (SQLite outbox → attendance.punch.raw.v1)', () => {
  let dir: string;
  let store: EdgeStore;
  let tenantId: string;

  beforeAll(async () => {
    const kafka = new Kafka({ clientId: 'relay-topics', brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [TOPICS.punchRaw.name]);
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outbox-relay-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    tenantId = `relay-${uniqueSuffix()}`;
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acknowledging devices while Kafka is cut off, opens and closes the breaker, then drains everything in per-device order', async () => {
    const [brokerHost, brokerPort] = testInfra().kafkaBrokers[0]!.split(':');
    const proxy = await startTcpProxy(brokerHost!, Number(brokerPort));
    const registry = new Registry();
    const metrics = new GatewayMetrics(registry, store);
    const serials = ['OUT1', 'OUT2', 'OUT3', 'OUT4'];
    const config = {
      gatewayId: 'gw-1',
      tenantId,
      siteId: 'site-1',
      siteTimeZone: 'Asia/Kolkata',
      host: '127.0.0.1',
      deviceHttpPort: 0,
      devices: new Map(serials.map((serial) => [serial, { serial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }])),
    } as unknown as GatewayConfig;
    const producer = new ContractProducer(kafkaThrough(proxy), { source: '/device-gateway/gw-1', logger });
    const uplink = new Uplink(producer, logger, { volumeThreshold: 2, resetTimeoutMs: 1000 });
    metrics.trackUplink(uplink);
    const relay = new OutboxRelay(store, uplink, metrics, logger, { batchSize: 50, idlePollMs: 100, tenantId, maxBackoffMs: 1000 });
    const uploads = new AdmsUploadService(store, config, () => relay.notify(), new DiskBudget(join(dir, 'gateway.sqlite'), 1 << 30));
    const server = new AdmsHttpServer({ config, store, uploads, commands: new AdmsCommandQueue(store), metrics, logger });
    const address = await server.listen();
    const collector = await collectTopic(TOPICS.punchRaw.name);
    const sentOrder = new Map<string, string[]>(serials.map((s) => [s, []]));
    let second = 0;
    const upload = async (serial: string) => {
      const lines = Array.from({ length: 5 }, () => attlogLine('7', second++));
      const response = await fetch(`${address}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${second}`, { method: 'POST', body: lines.join('\n') + '\n' });
      const text = await response.text();
      expect(text).toBe('OK: 5');
      sentOrder.get(serial)!.push(...lines.map((line) => line.split('\t')[1]!.replace(' ', 'T')));
    };
    const uplinkGauge = async (state: string) =>
      (await registry.getSingleMetric('gateway_uplink_state')!.get()).values.find((v) => v.labels.state === state)?.value;
    try {
      relay.start();
      for (const serial of serials) await upload(serial);
      await waitFor(() => store.outbox.backlog().count === 0, { description: 'the first uploads on Kafka', timeoutMs: 60_000 });
      expect(uplink.state().state).toBe('up');

      proxy.cut();
      // Devices keep pushing through the outage, every upload answered OK, until the breaker has opened...
      await waitFor(
        async () => {
          for (const serial of serials) await upload(serial);
          return uplink.state().state === 'down';
        },
        { description: 'the uplink breaker to open', timeoutMs: 120_000, intervalMs: 200 },
      );
      expect(await uplinkGauge('down')).toBe(1);
      expect(uplink.state().lastOutageStartedAt).not.toBeNull();
      // ...and while it is open.
      for (let round = 0; round < 5; round++) for (const serial of serials) await upload(serial);
      const buffered = store.outbox.backlog().count;
      expect(buffered).toBeGreaterThanOrEqual(serials.length * 5 * 5);

      proxy.restore();
      await waitFor(() => store.outbox.backlog().count === 0, { description: 'the backlog drained after the outage', timeoutMs: 120_000 });
      await waitFor(() => uplink.state().state === 'up', { description: 'the uplink back up', timeoutMs: 30_000 });
      expect(uplink.state().lastOutageEndedAt).not.toBeNull();
      expect(await uplinkGauge('up')).toBe(1);

      const total = [...sentOrder.values()].reduce((n, times) => n + times.length, 0);
      const mine = () => collector.messages.filter((m) => m.key?.startsWith(`${tenantId}:`));
      await waitFor(() => new Set(mine().map((m) => m.value)).size >= total, { description: `${total} distinct punches on Kafka`, timeoutMs: 60_000 });
      for (const serial of serials) {
        // Re-sends may duplicate a punch; the first occurrences must be exactly what the device sent, in order.
        const seen: string[] = [];
        for (const message of mine().filter((m) => m.key === `${tenantId}:${serial}`)) {
          const punch = PunchRawV1Schema.parse(JSON.parse(message.value!));
          expect(punch.deviceSerial).toBe(serial);
          if (!seen.includes(punch.localTime)) seen.push(punch.localTime);
        }
        expect(seen).toEqual(sentOrder.get(serial));
      }
    } finally {
      await server.close();
      await relay.stop();
      uplink.shutdown();
      await producer.disconnect().catch(() => undefined);
      await collector.stop();
      await proxy.close();
    }
  });

  it('shares each batch between devices, so a live punch does not wait behind another device backlog, and keeps each device in id order', async () => {
    // `olderGateway`: stored before an upgrade (no payload version), so the relay checks it against the contract.
    const insert = (punch: { eventId: string; deviceSerial: string } | { eventId: string; deviceSerial: string; junk: true }, olderGateway = false) =>
      store.outbox.insert({
        eventId: punch.eventId,
        deviceSerial: punch.deviceSerial,
        rawRequestId: 0,
        payload: 'junk' in punch ? '{"stored-by":"an older gateway"}' : JSON.stringify(punch),
        createdAt: new Date().toISOString(),
        ...(olderGateway || 'junk' in punch ? { payloadVersion: null } : {}),
      });
    const backlog = rawPunchSeries({ tenantId, deviceSerial: 'BACKLOG' }, 2010);
    const live = aRawPunch({ tenantId, deviceSerial: 'LIVE', deviceUserId: '1', localTime: '2024-05-09T09:00:00' });
    store.db.pragma('foreign_keys = OFF');
    // Stored before the relay starts, as after an upgrade: the first 1000 by an older gateway (checked against
    // the current contract, and valid), the rest by this version; one junk row of an older gateway is refused.
    store.transaction(() => {
      for (const [i, punch] of backlog.slice(0, 2000).entries()) insert(punch, i < 1000);
      insert(live);
      insert({ eventId: 'refused-1', deviceSerial: 'JUNK', junk: true });
      for (const punch of backlog.slice(2000)) insert(punch);
    });
    // An observer in front of the real uplink: it records which rows each send carried, then sends them.
    const producer = new ContractProducer(new Kafka({ clientId: `gw-fair-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING }), {
      source: '/device-gateway/gw-1',
      logger,
    });
    const uplink = new Uplink(producer, logger);
    const sends: string[][] = [];
    const observed = Object.assign(Object.create(uplink) as Uplink, {
      publishSerialized: (contract: typeof TOPICS.punchRaw, items: { key: string; json: string; id: string }[]) => {
        sends.push(items.map((item) => item.id));
        return uplink.publishSerialized(contract, items);
      },
    });
    const relay = new OutboxRelay(store, observed, new GatewayMetrics(new Registry(), store), logger, { batchSize: 100, idlePollMs: 50, tenantId });
    try {
      relay.start();
      await waitFor(() => store.outbox.backlog().count === 0, { description: 'the outbox drained', timeoutMs: 120_000 });
    } finally {
      await relay.stop();
      uplink.shutdown();
      await producer.disconnect();
    }
    expect(sends[0]).toContain(live.eventId);
    expect(sends.length).toBeGreaterThan(10);
    const backlogIds = new Set(backlog.map((p) => p.eventId));
    expect(sends.flat().filter((id) => backlogIds.has(id))).toEqual(backlog.map((p) => p.eventId));
    expect(sends.flat()).not.toContain('refused-1');
    const refused = store.db.prepare("SELECT published_at, rejected_reason FROM punch_outbox WHERE event_id = 'refused-1'").get() as Record<string, string | null>;
    expect(refused.published_at).toBeNull();
    expect(refused.rejected_reason).toContain(TOPICS.punchRaw.name);
  });

  it('prunes only published rows older than the retention, in small batches', async () => {
    const day = 86_400_000;
    const now = new Date('2026-06-10T12:00:00.000Z');
    const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
    store.db.pragma('foreign_keys = OFF');
    store.transaction(() => {
      for (let i = 0; i < 7; i++) {
        const kind = i < 3 ? 'old-published' : i < 5 ? 'new-published' : 'old-unsent';
        store.outbox.insert({ eventId: `${kind}-${i}`, deviceSerial: 'DEV1', rawRequestId: 0, payload: '{}', createdAt: at(30 * day) });
        store.deviceEvents.insert({ eventId: `${kind}-${i}`, deviceSerial: 'DEV1', eventType: 'online', payload: '{}', createdAt: at(30 * day) });
      }
    });
    const idsOf = (table: string, prefix: string) =>
      (store.db.prepare(`SELECT id FROM ${table} WHERE event_id LIKE ? ORDER BY id`).all(`${prefix}%`) as { id: number }[]).map((r) => r.id);
    for (const table of ['punch_outbox', 'device_event_outbox']) {
      const repo = table === 'punch_outbox' ? store.outbox : store.deviceEvents;
      repo.markPublished(idsOf(table, 'old-published'), at(10 * day));
      repo.markPublished(idsOf(table, 'new-published'), at(1 * day));
    }
    const retention = new OutboxRetention(store, new GatewayMetrics(new Registry(), store), logger, { publishedRetentionMs: 7 * day, batchSize: 2 });

    expect(await retention.pruneOnce(now)).toEqual({ punches: 3, deviceEvents: 3, rawRequests: 0 });
    const left = (table: string) => (store.db.prepare(`SELECT event_id FROM ${table} ORDER BY id`).all() as { event_id: string }[]).map((r) => r.event_id);
    for (const table of ['punch_outbox', 'device_event_outbox']) {
      expect(left(table)).toEqual(['new-published-3', 'new-published-4', 'old-unsent-5', 'old-unsent-6']);
    }
    // Years later the unsent rows are still there: no TTL on unsent data.
    expect(await retention.pruneOnce(new Date(now.getTime() + 3650 * day))).toEqual({ punches: 2, deviceEvents: 2, rawRequests: 0 });
    expect(left('punch_outbox')).toEqual(['old-unsent-5', 'old-unsent-6']);
    expect(store.outbox.backlog().count).toBe(2);
  });
});

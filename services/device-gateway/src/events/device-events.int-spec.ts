import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { DeviceEventV1Schema, KAFKA_HEADERS, TOPICS } from '@attendance/contracts';
import { ContractProducer, createKafkaClient } from '@attendance/kafka';
import { createRootLogger } from '@attendance/observability';
import { collectTopic, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { GatewayMetrics } from '../health/gateway-metrics';
import { Uplink } from '../relay/uplink';
import { EdgeStore } from '../store/edge-store';
import { DeviceEventRelay } from './device-event-relay';
import { InvalidDeviceEventError, SqliteDeviceEventRecorder } from './sqlite-device-event-recorder';

// Real SQLite on disk and the real broker: device events are durable at record time and reach Kafka in order.
describe('device events (SQLite outbox → edge.device.event.v1)', () => {
  const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  let dir: string;
  let store: EdgeStore;
  let tenantId: string;
  let recorder: SqliteDeviceEventRecorder;
  let notified: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'device-events-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    tenantId = `t-${uniqueSuffix()}`;
    notified = 0;
    recorder = new SqliteDeviceEventRecorder(store.deviceEvents, { tenantId, siteId: 'site-1', gatewayId: 'gw-1' }, () => notified++);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedRows = () =>
    store.db.prepare('SELECT event_id, device_serial, event_type, payload, published_at FROM device_event_outbox ORDER BY id').all() as {
      event_id: string;
      device_serial: string;
      event_type: string;
      payload: string;
      published_at: string | null;
    }[];

  it('stores a valid event with the gateway ids, a fresh eventId and the gateway clock', () => {
    recorder.record({ type: 'online', deviceSerial: 'DEV1', protocol: 'zk-push2', remoteAddress: '10.0.0.7' });
    recorder.record({ type: 'offline', deviceSerial: 'DEV1', lastContactAt: null, reason: 'contact-timeout', occurredAt: '2026-01-01T00:00:00.000Z' });
    const rows = storedRows();
    expect(rows.map((r) => r.event_type)).toEqual(['online', 'offline']);
    const [online, offline] = rows.map((r) => DeviceEventV1Schema.parse(JSON.parse(r.payload)));
    expect(online).toMatchObject({ tenantId, siteId: 'site-1', gatewayId: 'gw-1', deviceSerial: 'DEV1', eventId: rows[0]!.event_id });
    expect(offline!.occurredAt).toBe('2026-01-01T00:00:00.000Z');
    expect(online!.eventId).not.toBe(offline!.eventId);
    expect(notified).toBe(2);
  });

  it("commits and rolls back with the caller's transaction", () => {
    store.transaction(() => recorder.record({ type: 'unknown-device', deviceSerial: 'NEW1', protocol: 'zk-push2', remoteAddress: null }));
    expect(() =>
      store.transaction(() => {
        recorder.record({ type: 'unknown-device', deviceSerial: 'NEW2', protocol: 'zk-push2', remoteAddress: null });
        throw new Error('the upload failed after the event was recorded');
      }),
    ).toThrow('the upload failed');
    expect(storedRows().map((r) => r.device_serial)).toEqual(['NEW1']);
  });

  it('refuses an event its contract refuses and writes nothing', () => {
    expect(() =>
      recorder.record({ type: 'capacity', deviceSerial: 'DEV1', level: 'warning', recordsUsed: -5, recordsMax: 100, usedRatio: 2 }),
    ).toThrow(InvalidDeviceEventError);
    expect(storedRows()).toHaveLength(0);
  });

  it('relays events to Kafka oldest first under tenant:serial, marking them only after the ack', async () => {
    const collector = await collectTopic(TOPICS.deviceEvent.name);
    const producer = new ContractProducer(createKafkaClient({ clientId: `gw-test-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, ssl: false }, logger), {
      source: '/device-gateway/gw-1',
      logger,
    });
    const uplink = new Uplink(producer, logger);
    const relay = new DeviceEventRelay(store.deviceEvents, uplink, new GatewayMetrics(new Registry(), store), logger, { batchSize: 3, idlePollMs: 50 });
    try {
      for (let i = 0; i < 4; i++) {
        recorder.record({ type: 'online', deviceSerial: 'DEV1', protocol: 'zk-push2', remoteAddress: `10.0.0.${i}` });
        recorder.record({ type: 'offline', deviceSerial: 'DEV1', lastContactAt: null, reason: 'contact-timeout' });
      }
      recorder.record({ type: 'online', deviceSerial: 'DEV2', protocol: 'zk-tcp', remoteAddress: null });
      expect(storedRows().every((r) => r.published_at === null)).toBe(true);
      relay.start();
      const mine = () => collector.messages.filter((m) => m.key?.startsWith(`${tenantId}:`));
      await waitFor(() => mine().length >= 9, { description: '9 device events on Kafka', timeoutMs: 60_000 });
      expect(mine()).toHaveLength(9);
      await waitFor(() => storedRows().every((r) => r.published_at !== null), { description: 'every event marked published', timeoutMs: 30_000 });

      const rows = storedRows();
      const dev1 = mine().filter((m) => m.key === `${tenantId}:DEV1`);
      expect(dev1.map((m) => m.headers[KAFKA_HEADERS.ceId])).toEqual(rows.filter((r) => r.device_serial === 'DEV1').map((r) => r.event_id));
      expect(mine().find((m) => m.key === `${tenantId}:DEV2`)).toBeDefined();
      for (const message of mine()) expect(DeviceEventV1Schema.safeParse(JSON.parse(message.value!)).success).toBe(true);
      expect(uplink.state().state).toBe('up');
    } finally {
      await relay.stop();
      uplink.shutdown();
      await producer.disconnect();
      await collector.stop();
    }
  });
});

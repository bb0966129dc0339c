import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { GatewayHeartbeatV1Schema, TOPICS } from '@attendance/contracts';
import { ContractProducer, ensureTopics } from '@attendance/kafka';
import { createRootLogger } from '@attendance/observability';
import { aRawPunch, collectTopic, testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import type { GatewayConfig } from '../config/gateway.config';
import { Uplink } from '../relay/uplink';
import { DiskBudget } from '../store/disk-budget';
import { EdgeStore } from '../store/edge-store';
import { HeartbeatPublisher } from './heartbeat-publisher';

const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'warn' });

// Real SQLite with the rows the protocol adapters write, and the real broker.
describe(HeartbeatPublisher.name, () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'heartbeat-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports uplink, backlog, disk and every device from the adapters tables, and reaches Kafka valid against its contract', async () => {
    const gatewayId = `gw-hb-${uniqueSuffix()}`;
    const tenantId = `t-hb-${uniqueSuffix()}`;
    const now = new Date();
    const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
    const config = {
      gatewayId,
      tenantId,
      siteId: 'site-1',
      version: '1.2.3',
      databasePath: join(dir, 'gateway.sqlite'),
      heartbeatIntervalMs: 200,
      devices: new Map<string, unknown>([
        ['ADMS1', { serial: 'ADMS1', protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }],
        ['ZK1', { serial: 'ZK1', protocol: 'zk-tcp', timeZone: 'Asia/Kolkata', host: '10.0.0.9', port: 4370, commKey: null }],
        ['NEVER1', { serial: 'NEVER1', protocol: 'hikvision', timeZone: 'Asia/Kolkata' }],
      ]),
    } as unknown as GatewayConfig;
    // An ADMS device that pushed a punch a minute ago and reported its clock, an unknown serial, a pulled ZK
    // device with skew, capacity, a lease and a connection error.
    store.devices.recordContact({ serial: 'ADMS1', configured: true, protocol: 'zk-push2', pushVersion: '2.4.1', now: iso(60_000) });
    store.db.prepare('UPDATE device SET clock_skew_seconds = 42.5, clock_checked_at = ? WHERE serial = ?').run(iso(60_000), 'ADMS1');
    store.devices.recordContact({ serial: 'STRANGER', configured: false, protocol: 'zk-push2', pushVersion: null, now: iso(10_000) });
    store.db
      .prepare(
        `INSERT INTO device_state (serial, protocol, reachable, last_contact_at, clock_skew_ms, clock_checked_at, records_used, records_max, last_error, updated_at)
         VALUES ('ZK1', 'zk-tcp', 0, ?, -3000, ?, 90000, 100000, 'connection-refused: ECONNREFUSED 10.0.0.9:4370', ?)`,
      )
      .run(iso(120_000), iso(120_000), iso(0));
    const leaseId = randomUUID();
    store.db
      .prepare('INSERT INTO device_lease (device_serial, lease_id, fencing_token, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run('ZK1', leaseId, 7, new Date(now.getTime() + 60_000).toISOString(), iso(0));
    const rawRequestId = store.rawRequests.insert({ deviceSerial: 'ADMS1', protocol: 'zk-push2', tableName: 'ATTLOG', query: '', body: Buffer.from('x'), receivedAt: iso(60_000), outcome: 'parsed' });
    for (const second of ['00', '01']) {
      const punch = aRawPunch({ tenantId, deviceSerial: 'ADMS1', deviceUserId: '7', localTime: `2026-01-05T09:00:${second}` });
      store.outbox.insert({ eventId: punch.eventId, deviceSerial: 'ADMS1', rawRequestId, payload: JSON.stringify(punch), createdAt: iso(60_000) });
    }

    const kafka = new Kafka({ clientId: `hb-${uniqueSuffix()}`, brokers: testInfra().kafkaBrokers, logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [TOPICS.gatewayHeartbeat.name]);
    const collector = await collectTopic(TOPICS.gatewayHeartbeat.name);
    const producer = new ContractProducer(kafka, { source: `/device-gateway/${gatewayId}`, logger });
    const uplink = new Uplink(producer, logger);
    const publisher = new HeartbeatPublisher(store, uplink, new DiskBudget(config.databasePath, 1 << 30), config, logger);
    try {
      publisher.start();
      const mine = () => collector.messages.filter((m) => m.key === gatewayId);
      await waitFor(() => mine().length >= 2, { description: 'two heartbeats on Kafka', timeoutMs: 60_000 });
      const heartbeat = GatewayHeartbeatV1Schema.parse(JSON.parse(mine()[0]!.value!));

      expect(heartbeat).toMatchObject({ gatewayId, tenantId, siteId: 'site-1', gatewayVersion: '1.2.3', intervalSeconds: 1 });
      expect(heartbeat.uplink.state).toBe('up');
      expect(heartbeat.backlog.count).toBe(2);
      expect(heartbeat.backlog.oldestReceivedAt).toBe(iso(60_000));
      expect(heartbeat.backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(60);
      expect(heartbeat.disk.usedBytes).toBeGreaterThan(0);
      expect(heartbeat.disk.budgetBytes).toBe(1 << 30);
      expect(heartbeat.disk.refusing).toBe(false);
      expect(heartbeat.devices.map((d) => d.deviceSerial)).toEqual(['ADMS1', 'NEVER1', 'STRANGER', 'ZK1']);
      const [adms, never, stranger, zk] = heartbeat.devices;
      expect(adms).toMatchObject({
        protocol: 'zk-push2',
        registration: 'approved',
        reachable: true,
        lastContactAt: iso(60_000),
        lastPunchReceivedAt: iso(60_000),
        clockSkewSeconds: 42.5,
        backlogCount: 2,
        capacity: null,
        lease: null,
      });
      expect(never).toMatchObject({ protocol: 'hik-isapi', registration: 'approved', reachable: false, lastContactAt: null, backlogCount: 0 });
      expect(stranger).toMatchObject({ registration: 'pending', reachable: true });
      expect(zk).toMatchObject({
        protocol: 'zk-tcp',
        reachable: false,
        clockSkewSeconds: -3,
        capacity: { recordsUsed: 90000, recordsMax: 100000, usedRatio: 0.9 },
        lease: { leaseId, fencingToken: 7 },
        lastErrorClass: 'connection-refused',
      });
    } finally {
      await publisher.stop();
      uplink.shutdown();
      await producer.disconnect();
      await collector.stop();
    }
  });
});

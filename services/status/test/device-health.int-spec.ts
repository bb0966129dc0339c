import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import type { DeviceHealthV1 } from '@attendance/contracts';
import { collectTopic, testInfra, uniqueSuffix, waitFor, type CollectedMessage } from '@attendance/testing';
import { aHeartbeat, aHeartbeatDevice } from './status-builders';
import { apiKey, getJson, isolatedStatusEnv, startStatus, testProducer } from './status-test-harness';

/**
 * Health transitions end to end through real Kafka and Redis, with TWO status replicas sharing one Redis
 * prefix and one consumer group, so "exactly one transition each way" is tested where it is hard.
 */
describe('status device health', () => {
  const tenant = `health-${uniqueSuffix()}`;
  const key = apiKey('ops', tenant);
  // Small thresholds so the test is quick; assertions wait on outcomes, never on elapsed time.
  const { env, topics, prefix } = isolatedStatusEnv({
    STATUS_API_KEYS: key.entry,
    STATUS_OFFLINE_AFTER_SECONDS: '4',
    STATUS_BACKLOG_MAX_AGE_SECONDS: '60',
    STATUS_CLOCK_SKEW_MAX_SECONDS: '30',
  });
  const replicas: { app: NestFastifyApplication; url: string }[] = [];
  let producer: Awaited<ReturnType<typeof testProducer>>;
  let collected: { messages: CollectedMessage[]; stop(): Promise<void> };
  let redis: Redis;

  beforeAll(async () => {
    replicas.push(await startStatus(env), await startStatus(env));
    producer = await testProducer();
    collected = await collectTopic(topics.deviceHealth.name);
    redis = new Redis(testInfra().redisUrl);
  });

  afterAll(async () => {
    await collected?.stop();
    await producer?.close();
    for (const r of replicas) await r.app.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  const eventsOf = (serial: string): DeviceHealthV1[] =>
    collected.messages.map((m) => JSON.parse(m.value!) as DeviceHealthV1).filter((e) => e.tenantId === tenant && e.deviceSerial === serial);
  const outboxEntriesOf = async (serial: string) =>
    (await redis.xrange(`${prefix}outbox`, '-', '+')).map(([, fields]) => JSON.parse(fields[1]!) as DeviceHealthV1).filter((e) => e.deviceSerial === serial);
  const device = async (serial: string) => {
    const response = await getJson(`${replicas[0]!.url}/api/v1/devices/${serial}`, key.header);
    return response.status === 200 ? ((await response.json()) as { state: string; reasons: { code: string; message: string }[]; recentTransitions: { from: string | null; to: string }[] }) : null;
  };

  it('turns a silent device offline through the sweep and back online on contact, one transition each way', async () => {
    const serial = 'SILENT-1';
    const gatewayId = `gw-${uniqueSuffix()}`;
    await producer.publish(topics.heartbeat, [aHeartbeat({ tenantId: tenant, siteId: 'site-a', gatewayId, at: new Date(), devices: [aHeartbeatDevice(serial, new Date())] })]);
    await waitFor(() => eventsOf(serial).some((e) => e.state === 'healthy'), { description: 'first record healthy', timeoutMs: 30_000 });

    // No more heartbeats: only the sweep can notice.
    const offline = await waitFor(() => eventsOf(serial).find((e) => e.state === 'offline'), { description: 'offline transition', timeoutMs: 30_000 });
    expect(offline.previousState).toBe('healthy');
    expect(offline.reasons.map((r) => r.code)).toEqual(['no-contact']);

    await producer.publish(topics.heartbeat, [aHeartbeat({ tenantId: tenant, siteId: 'site-a', gatewayId, at: new Date(), devices: [aHeartbeatDevice(serial, new Date())] })]);
    await waitFor(() => eventsOf(serial).some((e) => e.state === 'healthy' && e.previousState === 'offline'), { description: 'recovery', timeoutMs: 30_000 });

    // Both replicas kept sweeping and consuming meanwhile; the outbox (the claim log) has exactly three
    // transitions, and so does Kafka once the relay is idle.
    await waitFor(async () => (await redis.xpending(`${prefix}outbox`, 'kafka'))[0] === 0, { description: 'relay idle', timeoutMs: 30_000 });
    const claimed = await outboxEntriesOf(serial);
    expect(claimed.map((e) => `${e.previousState}->${e.state}`)).toEqual(['null->healthy', 'healthy->offline', 'offline->healthy']);
    await waitFor(() => eventsOf(serial).length >= 3, { description: 'three events on Kafka', timeoutMs: 30_000 });
    expect(eventsOf(serial).map((e) => e.eventId).sort()).toEqual(claimed.map((e) => e.eventId).sort());

    const detail = await device(serial);
    expect(detail?.state).toBe('healthy');
    expect(detail?.recentTransitions.map((t) => `${t.from}->${t.to}`)).toEqual(['offline->healthy', 'healthy->offline', 'null->healthy']);
  });

  it('applies the backlog, clock skew and capacity thresholds, and announces a recovery', async () => {
    const gatewayId = `gw-${uniqueSuffix()}`;
    const now = new Date();
    await producer.publish(topics.heartbeat, [
      aHeartbeat({
        tenantId: tenant,
        siteId: 'site-b',
        gatewayId,
        at: now,
        backlogOldestAgeSeconds: 600,
        devices: [
          aHeartbeatDevice('TH-BACKLOG', now, { backlogCount: 12 }),
          aHeartbeatDevice('TH-SKEW', now, { clockSkewSeconds: -95 }),
          aHeartbeatDevice('TH-CAP-WARN', now, { capacity: { recordsUsed: 85_000, recordsMax: 100_000, usedRatio: 0.85 } }),
          aHeartbeatDevice('TH-CAP-CRIT', now, { capacity: { recordsUsed: 97_000, recordsMax: 100_000, usedRatio: 0.97 } }),
          aHeartbeatDevice('TH-FINE', now, { clockSkewSeconds: 29, capacity: { recordsUsed: 80_000, recordsMax: 100_000, usedRatio: 0.8 } }),
        ],
      }),
    ]);
    const expected: Record<string, [string, string[]]> = {
      'TH-BACKLOG': ['degraded', ['backlog-age']],
      'TH-SKEW': ['degraded', ['clock-skew']],
      'TH-CAP-WARN': ['degraded', ['capacity']],
      'TH-CAP-CRIT': ['unhealthy', ['capacity']],
      'TH-FINE': ['healthy', []],
    };
    for (const [serial, [state, codes]] of Object.entries(expected)) {
      const d = await waitFor(async () => ((await device(serial))?.state === state ? device(serial) : null), { description: `${serial} ${state}`, timeoutMs: 30_000 });
      expect(d!.reasons.map((r) => r.code)).toEqual(codes);
    }
    expect((await device('TH-SKEW'))!.reasons[0]!.message).toBe('device clock behind by 95.0 s (threshold 30 s)');

    // The skew is corrected: one recovery event.
    const later = new Date();
    await producer.publish(topics.heartbeat, [aHeartbeat({ tenantId: tenant, siteId: 'site-b', gatewayId, at: later, devices: [aHeartbeatDevice('TH-SKEW', later, { clockSkewSeconds: 1 })] })]);
    const recovery = await waitFor(() => eventsOf('TH-SKEW').find((e) => e.previousState === 'degraded'), { description: 'skew recovery', timeoutMs: 30_000 });
    expect(recovery.state).toBe('healthy');
    expect(recovery.record.clockSkewSeconds).toBe(1);
  });

  it('moves a device that changed site in the indexes and counts without announcing a transition', async () => {
    const gatewayId = `gw-${uniqueSuffix()}`;
    const beat = (siteId: string) => {
      const now = new Date();
      return aHeartbeat({ tenantId: tenant, siteId, gatewayId, at: now, devices: [aHeartbeatDevice('MOVER', now)] });
    };
    const serialsAt = async (site: string) =>
      ((await (await getJson(`${replicas[0]!.url}/api/v1/devices?site=${site}`, key.header)).json()) as { items: { deviceSerial: string }[] }).items.map((d) => d.deviceSerial);
    await producer.publish(topics.heartbeat, [beat('site-c')]);
    await waitFor(async () => (await serialsAt('site-c')).includes('MOVER'), { description: 'MOVER at site-c', timeoutMs: 30_000 });
    await producer.publish(topics.heartbeat, [beat('site-d')]);
    await waitFor(async () => (await serialsAt('site-d')).includes('MOVER'), { description: 'MOVER at site-d', timeoutMs: 30_000 });
    expect(await serialsAt('site-c')).toEqual([]);
    const summary = (await (await getJson(`${replicas[0]!.url}/api/v1/fleet/summary`, key.header)).json()) as { devices: { sites: { siteId: string; total: number }[] } };
    expect(summary.devices.sites.filter((s) => s.siteId === 'site-c' || s.siteId === 'site-d')).toEqual([expect.objectContaining({ siteId: 'site-d', total: 1 })]);
    expect((await outboxEntriesOf('MOVER')).map((e) => e.state)).toEqual(['healthy']);
  });

  it('degrades on repeated command failures and on a device-side "logs deleted", and recovers on success', async () => {
    const gatewayId = `gw-${uniqueSuffix()}`;
    const now = new Date();
    await producer.publish(topics.heartbeat, [aHeartbeat({ tenantId: tenant, siteId: 'site-e', gatewayId, at: now, devices: [aHeartbeatDevice('ERR-1', now), aHeartbeatDevice('AUDIT-1', now)] })]);
    await waitFor(async () => (await device('ERR-1'))?.state === 'healthy' && (await device('AUDIT-1'))?.state === 'healthy', { description: 'both healthy', timeoutMs: 30_000 });
    const result = (outcome: 'failed' | 'succeeded', i: number) => ({
      commandId: randomUUID(), type: 'backfill', tenantId: tenant, siteId: 'site-e', gatewayId, deviceSerial: 'ERR-1', outcome,
      startedAt: new Date(Date.now() - 1000).toISOString(), completedAt: new Date(Date.now() + i).toISOString(),
      counts: outcome === 'succeeded' ? { found: 10, new: 2, quarantined: 0 } : null, deviceCounts: null,
      error: outcome === 'failed' ? { class: 'device-timeout', message: 'no answer', deviceReturnCode: null } : null,
    });
    // Two failures: still healthy (threshold 3); a third: degraded.
    await producer.publish(topics.commandResult, [result('failed', 1), result('failed', 2)]);
    await producer.publish(topics.deviceEvent, [{
      eventId: randomUUID(), tenantId: tenant, siteId: 'site-e', gatewayId, deviceSerial: 'AUDIT-1', occurredAt: new Date().toISOString(),
      type: 'audit', operation: 'logs-deleted', operationCode: '23', operator: '1', deviceLocalTime: null, raw: 'OPLOG 23',
    }]);
    await waitFor(async () => (await device('AUDIT-1'))?.state === 'degraded', { description: 'AUDIT-1 degraded', timeoutMs: 30_000 });
    expect((await device('AUDIT-1'))!.reasons.map((r) => r.code)).toEqual(['audit-logs-deleted']);
    const afterTwo = await waitFor(async () => {
      const d = (await device('ERR-1')) as unknown as { state: string; failedCommandsInRow: number } | null;
      return d?.failedCommandsInRow === 2 ? d : null;
    }, { description: 'two failures counted', timeoutMs: 30_000 });
    expect(afterTwo.state).toBe('healthy');
    await producer.publish(topics.commandResult, [result('failed', 3)]);
    await waitFor(async () => (await device('ERR-1'))?.state === 'degraded', { description: 'ERR-1 degraded', timeoutMs: 30_000 });
    expect((await device('ERR-1'))!.reasons[0]!.message).toBe('3 failed commands in a row, last error device-timeout');
    await producer.publish(topics.commandResult, [result('succeeded', 4)]);
    await waitFor(async () => (await device('ERR-1'))?.state === 'healthy', { description: 'ERR-1 recovered', timeoutMs: 30_000 });
  });

  it('turns a device offline once silent even when its last contacts were too close to move the watch', async () => {
    const serial = 'CHATTY-1';
    const gatewayId = `gw-${uniqueSuffix()}`;
    const start = Date.now();
    // Contacts 100 ms apart: under the watch granularity (400 ms here), so only the first one scores the watch.
    const beats = [0, 100, 200, 300].map((offset) => {
      const at = new Date(start + offset);
      return aHeartbeat({ tenantId: tenant, siteId: 'site-f', gatewayId, at, devices: [aHeartbeatDevice(serial, at)] });
    });
    await producer.publish(topics.heartbeat, beats);
    const offline = await waitFor(() => eventsOf(serial).find((e) => e.state === 'offline'), { description: 'CHATTY-1 offline', timeoutMs: 30_000 });
    expect(offline.record.lastContactAt).toBe(new Date(start + 300).toISOString());
    expect(eventsOf(serial).map((e) => e.state)).toEqual(['healthy', 'offline']);
  });
});

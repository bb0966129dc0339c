import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import type { Admin } from 'kafkajs';
import { acceptPunch, punchEventId, type GatewayHeartbeatV1, type PunchAcceptedV1 } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, silentKafkaLogger } from '@attendance/kafka';
import { statusTopics } from '../../services/status/src/kafka/status-topics';
import { findFreePort } from '../infra/ports';
import { repoRoot } from '../infra/repo-root';
import { mainThreadCpuSeconds, percentile, progress, readMetric, startServiceProcess, stopProcess } from './bench-support';

/**
 * `npm run bench:status [-- --devices 100000]`: the status service under a fleet's load, on this machine.
 *  1. baseline: the same number of device writes as plain pipelined HSETs into Redis (no Lua, no health);
 *  2. pipeline: heartbeats (100 devices each) and one accepted punch per device pre-loaded on Kafka, consumed
 *     by the real status process, twice: round 1 creates the fleet (a transition per device), round 2 is the
 *     steady state; device updates/s over the consumer groups' busy time (see busySeconds);
 *  3. Redis memory per device: MEMORY USAGE of every key under the run's prefix (exact, unaffected by other
 *     users of a shared Redis), with and without the transition outbox; INFO used_memory before/after too;
 *  4. p99 latency of the fleet summary and of a filtered device page over HTTP.
 * Uses the shared broker (KAFKA_BROKERS, default 127.0.0.1:9092) under a unique topic suffix, and REDIS_URL
 * (default local) under a unique key prefix, both removed at the end.
 */
const { values: args } = parseArgs({
  options: {
    devices: { type: 'string', default: '100000' },
    'devices-per-gateway': { type: 'string', default: '100' },
    'devices-per-site': { type: 'string', default: '100' },
    tenants: { type: 'string', default: '10' },
    partitions: { type: 'string', default: '3' },
    queries: { type: 'string', default: '300' },
  },
});
const DEVICES = Number(args.devices);
const PER_GATEWAY = Number(args['devices-per-gateway']);
const PER_SITE = Number(args['devices-per-site']);
const TENANTS = Number(args.tenants);
const PARTITIONS = Number(args.partitions);
const QUERIES = Number(args.queries);
const root = repoRoot();
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

interface Device {
  tenantId: string;
  siteId: string;
  gatewayId: string;
  serial: string;
}

function fleet(): Device[] {
  return Array.from({ length: DEVICES }, (_, i) => {
    const tenant = i % TENANTS;
    const inTenant = Math.floor(i / TENANTS);
    return {
      tenantId: `bench-t${tenant}`,
      siteId: `site-${Math.floor(inTenant / PER_SITE)}`,
      gatewayId: `gw-${run}-t${tenant}-${Math.floor(inTenant / PER_GATEWAY)}`,
      serial: `BSN${String(i).padStart(7, '0')}`,
    };
  });
}

function heartbeats(devices: Device[], at: Date): GatewayHeartbeatV1[] {
  const byGateway = new Map<string, Device[]>();
  for (const d of devices) byGateway.set(d.gatewayId, [...(byGateway.get(d.gatewayId) ?? []), d]);
  const iso = at.toISOString();
  return [...byGateway.values()].map((ds, g) => ({
    gatewayId: ds[0]!.gatewayId,
    tenantId: ds[0]!.tenantId,
    siteId: ds[0]!.siteId,
    gatewayVersion: '0.1.0',
    startedAt: iso,
    sentAt: iso,
    intervalSeconds: 15,
    uplink: { state: 'up', since: iso, lastOutageStartedAt: null, lastOutageEndedAt: null },
    backlog: { count: 0, oldestReceivedAt: null, oldestAgeSeconds: null },
    quarantinedCount: 0,
    disk: { usedBytes: 1_000_000, budgetBytes: 10_000_000_000, freeBytes: 50_000_000_000, refusing: false },
    devices: ds.map((d, i) => ({
      deviceSerial: d.serial,
      protocol: 'zk-push2' as const,
      registration: 'approved' as const,
      reachable: true,
      lastContactAt: iso,
      lastPunchReceivedAt: iso,
      clockSkewSeconds: ((i + g) % 7) - 3,
      clockSkewMeasuredAt: iso,
      capacity: { recordsUsed: 1000 + i, recordsMax: 100_000, usedRatio: (1000 + i) / 100_000 },
      backlogCount: 0,
      lease: null,
      lastErrorClass: null,
    })),
  }));
}

function punches(devices: Device[], at: Date, userId: string): PunchAcceptedV1[] {
  const local = at.toISOString().slice(0, 19);
  return devices.map((d) => {
    const raw = {
      eventId: punchEventId({ tenantId: d.tenantId, deviceSerial: d.serial, deviceUserId: userId, localTime: local }),
      tenantId: d.tenantId, siteId: d.siteId, gatewayId: d.gatewayId, deviceSerial: d.serial, protocol: 'zk-push2' as const,
      deviceUserId: userId, localTime: local, timeZone: 'UTC', punchedAt: at.toISOString(), direction: 'in' as const, directionRaw: '0',
      verifyMode: 'fingerprint' as const, verifyModeRaw: '1', workCode: null, source: 'push' as const, receivedAt: at.toISOString(),
      deviceCursor: null, flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false }, raw: `${userId}\t${local.replace('T', ' ')}\t0\t1`,
    };
    return acceptPunch(raw, { acceptedAt: at.toISOString(), firstSeenAt: raw.receivedAt });
  });
}

/** Raw Redis: the same number of device writes as pipelined HSETs of a dozen fields, 2,000 per pipeline. */
async function baseline(redis: Redis, devices: Device[], writes: number): Promise<number> {
  const prefix = `bench-status-baseline:${run}:`;
  const started = process.hrtime.bigint();
  for (let done = 0; done < writes; done += 2000) {
    const pipeline = redis.pipeline();
    for (let i = done; i < Math.min(writes, done + 2000); i++) {
      const d = devices[i % devices.length]!;
      pipeline.hset(`${prefix}${d.tenantId}:${d.serial}`, 't', d.tenantId, 's', d.siteId, 'n', d.serial, 'gw', d.gatewayId, 'lc', Date.now(), 'sk', 1, 'cr', 0.01, 'cu', 1000, 'cm', 100000, 'bl', 0, 'r', 1, 'p', 'zk-push2');
    }
    await pipeline.exec();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await deleteByPrefix(redis, prefix);
  return writes / seconds;
}

async function deleteByPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/** Bytes of every key under the prefix (MEMORY USAGE, exact per key), split into outbox and the rest. */
async function memoryByPrefix(redis: Redis, prefix: string): Promise<{ total: number; outbox: number; keys: number }> {
  let cursor = '0';
  let total = 0;
  let outbox = 0;
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([, bytes], i) => {
      const n = Number(bytes ?? 0);
      total += n;
      if (batch[i] === `${prefix}outbox`) outbox += n;
    });
    keys += batch.length;
  } while (cursor !== '0');
  return { total, outbox, keys };
}

/** Whether the group has committed up to the end of its topic. */
async function committedAll(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.every((end) => {
    const c = committed?.partitions.find((p) => p.partition === end.partition);
    return c !== undefined && Number(c.offset) >= Number(end.high);
  });
}

/**
 * Busy time of the consumer groups: for each, from the moment it is Stable (joined, partitions assigned: the
 * group join is start-up cost, not throughput) until it has committed everything; overlapping intervals are
 * merged. Updates divided by this are updates per second of consuming.
 */
async function busySeconds(kafka: ReturnType<typeof createKafkaClient>, groups: { groupId: string; topic: string }[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const intervals = new Map<string, { from: number | null; to: number | null }>(groups.map((g) => [g.groupId, { from: null, to: null }]));
    const deadline = Date.now() + 30 * 60_000;
    while ([...intervals.values()].some((i) => i.to === null)) {
      if (Date.now() > deadline) throw new Error('status did not consume everything within 30 minutes');
      const described = await admin.describeGroups(groups.map((g) => g.groupId));
      const now = Date.now();
      for (const g of groups) {
        const interval = intervals.get(g.groupId)!;
        if (interval.from === null && described.groups.find((d) => d.groupId === g.groupId)?.state === 'Stable') interval.from = now;
        if (interval.from !== null && interval.to === null && (await committedAll(admin, g.groupId, g.topic))) interval.to = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const sorted = [...intervals.values()].map((i) => [i.from!, i.to!] as const).sort((a, b) => a[0] - b[0]);
    let total = 0;
    let [from, to] = sorted[0]!;
    for (const [f, t] of sorted.slice(1)) {
      if (f > to) {
        total += to - from;
        [from, to] = [f, t];
      } else to = Math.max(to, t);
    }
    return (total + (to - from)) / 1000;
  } finally {
    await admin.disconnect();
  }
}

async function latencies(url: string, key: string, count: number): Promise<number[]> {
  for (let i = 0; i < 20; i++) await (await fetch(url, { headers: { 'x-api-key': key } })).arrayBuffer(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    const response = await fetch(url, { headers: { 'x-api-key': key } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  progress(`building status; ${DEVICES} devices, ${TENANTS} tenants, ${PER_GATEWAY} per gateway, ${PER_SITE} per site`);
  execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs'), 'status'], { stdio: 'ignore' });
  const redis = new Redis(redisUrl);
  const prefix = `bench-status:${run}:`;
  const suffix = `.bench${run}`;
  const topics = statusTopics(suffix);
  const kafka = createKafkaClient({ clientId: `status-bench-${run}`, brokers, ssl: false }, silentKafkaLogger);
  const devices = fleet();
  const writesPerRound = devices.length * 2;

  progress(`baseline: ${writesPerRound} plain pipelined HSETs`);
  const baselineRate = await baseline(redis, devices, writesPerRound);

  await ensureTopics(kafka, [topics.heartbeat.name, topics.punchAccepted.name, topics.deviceEvent.name, topics.commandResult.name, topics.completeness.name, topics.deviceHealth.name], { numPartitions: PARTITIONS });
  const producer = new ContractProducer(kafka, { source: '/status-bench', logger: silentKafkaLogger });
  await producer.connect();
  const load = async (round: number) => {
    const at = new Date();
    const beats = heartbeats(devices, at);
    progress(`round ${round}: loading Kafka with ${beats.length} heartbeats and ${devices.length} accepted punches (${PARTITIONS} partitions)`);
    for (let i = 0; i < beats.length; i += 50) await producer.publish(topics.heartbeat, beats.slice(i, i + 50));
    const accepted = punches(devices, at, String(1000 + round));
    for (let i = 0; i < accepted.length; i += 5000) await producer.publish(topics.punchAccepted, accepted.slice(i, i + 5000));
    return beats.length;
  };

  const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const port = await findFreePort();
  const secret = randomBytes(12).toString('hex');
  const apiKey = (tenant: string) => `bench-${tenant}:${tenant}:${createHash('sha256').update(secret).digest('hex')}`;
  const group = `status-bench-${run}`;
  const start = () =>
    startServiceProcess(
      root,
      'status',
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        KAFKA_BROKERS: brokers.join(','),
        REDIS_URL: redisUrl,
        STATUS_KEY_PREFIX: prefix,
        STATUS_CONSUMER_GROUP: group,
        STATUS_TOPIC_SUFFIX: suffix,
        STATUS_PARTITION_CONCURRENCY: String(PARTITIONS),
        STATUS_OFFLINE_AFTER_SECONDS: '3600',
        STATUS_API_KEYS: apiKey('bench-t0'),
        LOG_LEVEL: 'warn',
      },
      `http://127.0.0.1:${port}/health/ready`,
    );
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const groups = [
    { groupId: `${group}.heartbeat`, topic: topics.heartbeat.name },
    { groupId: `${group}.punch-accepted`, topic: topics.punchAccepted.name },
  ];
  /** Starts status on what is waiting in Kafka and measures its busy time (see busySeconds). */
  const consume = async (round: number) => {
    const child = await start();
    progress(`round ${round}: status started; measuring until both groups have committed everything`);
    const cpuAtStart = mainThreadCpuSeconds(child.pid!);
    const seconds = await busySeconds(kafka, groups);
    return { child, rate: writesPerRound / seconds, cpuMicros: ((mainThreadCpuSeconds(child.pid!) - cpuAtStart) / writesPerRound) * 1e6, transitions: await readMetric(metricsUrl, 'status_health_transitions_total') };
  };

  // Round 1 creates the fleet: every device's first record is a transition (claimed, outboxed, published).
  const heartbeatCount = await load(1);
  const first = await consume(1);
  await stopProcess(first.child);
  // Round 2 is the steady state: the same fleet reports again; nothing changes state.
  await load(2);
  await producer.disconnect();
  const steady = await consume(2);
  const child = steady.child;
  const writes = writesPerRound * 2;
  const rate = steady.rate;
  const transitions = first.transitions + steady.transitions;

  progress('measuring Redis memory (MEMORY USAGE of every key of this run)');
  const memory = await memoryByPrefix(redis, prefix);
  const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

  const header = `bench-bench-t0.${secret}`;
  const base = `http://127.0.0.1:${port}/api/v1`;
  const summaryCheck = (await (await fetch(`${base}/fleet/summary`, { headers: { 'x-api-key': header } })).json()) as { devices: { total: number } };
  progress(`latency: ${QUERIES} fleet summaries and ${QUERIES} filtered device pages (tenant bench-t0, ${summaryCheck.devices.total} devices)`);
  const summary = await latencies(`${base}/fleet/summary`, header, QUERIES);
  const page = await latencies(`${base}/devices?site=site-3&state=healthy&limit=100`, header, QUERIES);
  const statePage = await latencies(`${base}/devices?state=healthy&limit=100&cursor=${Buffer.from('BSN0050000').toString('base64url')}`, header, QUERIES);

  await stopProcess(child);
  await deleteByPrefix(redis, prefix);
  redis.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics).map((t) => t.name) }).catch(() => undefined);
  await admin.disconnect();

  const result = {
    at: new Date().toISOString(),
    devices: DEVICES,
    heartbeatsPerRound: heartbeatCount,
    deviceUpdates: writes,
    baselineHsetPerSecond: Math.round(baselineRate),
    firstLoadUpdatesPerSecond: Math.round(first.rate),
    deviceUpdatesPerSecond: Math.round(rate),
    ratio: Number((rate / baselineRate).toFixed(2)),
    statusMainThreadCpuMicrosPerUpdate: { firstLoad: Number(first.cpuMicros.toFixed(1)), steady: Number(steady.cpuMicros.toFixed(1)) },
    transitions,
    redisBytesPerDevice: Math.round((memory.total - memory.outbox) / DEVICES),
    redisOutboxBytesPerDevice: Math.round(memory.outbox / DEVICES),
    redisKeys: memory.keys,
    infoUsedMemoryDeltaPerDevice: Math.round((memoryAfter - memoryBefore) / DEVICES),
    summaryMs: { p50: round(percentile(summary, 50)), p99: round(percentile(summary, 99)) },
    sitePageMs: { p50: round(percentile(page, 50)), p99: round(percentile(page, 99)) },
    statePageMs: { p50: round(percentile(statePage, 50)), p99: round(percentile(statePage, 99)) },
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
  mkdirSync(join(root, '.local/bench'), { recursive: true });
  writeFileSync(join(root, `.local/bench/status-${result.at.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  process.stdout.write(
    [
      '',
      `status benchmark — ${DEVICES} devices (${TENANTS} tenants); per round ${heartbeatCount} heartbeats (${PER_GATEWAY} devices each) + ${DEVICES} accepted punches = ${writesPerRound} device updates; 2 rounds; ${PARTITIONS} partitions`,
      `  baseline  plain pipelined HSET, same number of writes           : ${result.baselineHsetPerSecond} writes/s`,
      `  steady    Kafka → status (validate, Lua apply, health check)     : ${result.deviceUpdatesPerSecond} device updates/s   (target ≥ 20000; ${result.ratio} of baseline)`,
      `  first     the same, creating the fleet (a transition per device) : ${result.firstLoadUpdatesPerSecond} device updates/s`,
      `  cpu       status main thread per update (first / steady)         : ${result.statusMainThreadCpuMicrosPerUpdate.firstLoad} / ${result.statusMainThreadCpuMicrosPerUpdate.steady} µs; ${transitions} transitions claimed`,
      `  memory    Redis per device (hash, indexes, recent transitions)   : ${result.redisBytesPerDevice} B  (+ outbox ${result.redisOutboxBytesPerDevice} B/device, bounded by STATUS_OUTBOX_MAX_LENGTH)`,
      `            INFO used_memory delta per device (shared Redis)       : ${result.infoUsedMemoryDeltaPerDevice} B`,
      `  latency   GET /fleet/summary                                     : p50 ${result.summaryMs.p50} ms, p99 ${result.summaryMs.p99} ms   (target < 50)`,
      `            GET /devices?site&state&limit=100                      : p50 ${result.sitePageMs.p50} ms, p99 ${result.sitePageMs.p99} ms`,
      `            GET /devices?state&cursor&limit=100                    : p50 ${result.statePageMs.p50} ms, p99 ${result.statePageMs.p99} ms`,
      `  machine   load average ${result.loadAverage.join(' / ')} (1/5/15 min) on ${cpus().length} cores: shared and busy, figures are lower bounds`,
      '',
    ].join('\n'),
  );
}

function round(n: number): number {
  return Number(n.toFixed(2));
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

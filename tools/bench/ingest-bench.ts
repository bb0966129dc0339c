import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { punchEventId, resolveLocalTime, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { ContractProducer, createKafkaClient, ensureTopics, silentKafkaLogger } from '@attendance/kafka';
import { ensureDatabase } from '@attendance/persistence';
import { createIngestDataSource, INGEST_SCHEMA } from '../../services/ingest/src/persistence/ingest-data-source';
import { runMigrationsLocked } from '@attendance/persistence';
import { startKafkaBroker } from '../infra/kafka-broker';
import { findFreePort } from '../infra/ports';
import { dropDatabase, withDatabase } from '../infra/postgres';
import { repoRoot } from '../infra/repo-root';
import { mainThreadCpuSeconds, percentile, progress, readMetric, startServiceProcess, stopProcess } from './bench-support';

/**
 * `npm run bench:ingest`: ingest throughput against a raw Postgres baseline, in one run, on this machine.
 *  1. baseline: the same rows (20% duplicates) batch-inserted with INSERT ... ON CONFLICT DO NOTHING straight
 *     into an identical, freshly migrated punches table (same batch size and concurrency as ingest);
 *  2. pipeline: the same messages pre-loaded on attendance.punch.raw.v1, consumed by the real ingest process
 *     (validation, dedupe, rows + accepted outbox, offset commits, and the accepted relay running alongside);
 *  3. latency: new punches published at a steady rate; publish → committed row, p50/p99.
 * Starts its own throw-away Kafka broker; uses DATABASE_URL's server (default local) with bench databases.
 */
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    'duplicate-ratio': { type: 'string', default: '0.2' },
    'steady-rate': { type: 'string', default: '2000' },
    'steady-seconds': { type: 'string', default: '20' },
    replicas: { type: 'string', default: '1' },
    partitions: { type: 'string', default: '3' },
    /** ingest's INGEST_ACCEPTED_PRODUCER: `thread` (default) or `inline`, to compare the two in one session. */
    'accepted-producer': { type: 'string', default: 'thread' },
  },
});
const TOTAL = Number(args.messages);
const DUPLICATE_RATIO = Number(args['duplicate-ratio']);
const STEADY_RATE = Number(args['steady-rate']);
const STEADY_SECONDS = Number(args['steady-seconds']);
const REPLICAS = Number(args.replicas);
const BATCH = 2000;
/** Raw-topic partitions, and ingest's partitionsConsumedConcurrently (and the baseline's connections). */
const CONCURRENCY = Number(args.partitions);
const root = repoRoot();
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function makeMessages(tenantId: string): PunchRawV1[] {
  const unique = uniquePunches(tenantId, Math.round(TOTAL * (1 - DUPLICATE_RATIO)));
  const all = [...unique];
  let seed = 7;
  while (all.length < TOTAL) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    all.splice(seed % all.length, 0, unique[seed % unique.length]!);
  }
  return all;
}

function uniquePunches(tenantId: string, uniqueCount: number): PunchRawV1[] {
  const start = Date.parse('2025-06-02T06:00:00Z');
  const unique: PunchRawV1[] = [];
  for (let i = 0; i < uniqueCount; i++) {
    const deviceSerial = `BENCH${String(i % 500).padStart(4, '0')}`;
    const local = resolveLocalTime(new Date(start + Math.floor(i / 500) * 1000).toISOString().slice(0, 19), 'Asia/Kolkata');
    const deviceUserId = String(1 + ((i * 7919) % 5000));
    unique.push({
      eventId: punchEventId({ tenantId, deviceSerial, deviceUserId, localTime: local.localTime }),
      tenantId, siteId: `site-${i % 50}`, gatewayId: 'gw-bench', deviceSerial, protocol: 'zk-push2', deviceUserId,
      localTime: local.localTime, timeZone: 'Asia/Kolkata', punchedAt: local.punchedAt, direction: 'in', directionRaw: '0',
      verifyMode: 'fingerprint', verifyModeRaw: '1', workCode: null, source: 'push', receivedAt: new Date().toISOString(),
      deviceCursor: String(i), flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
      raw: `${deviceUserId}\t${local.localTime.replace('T', ' ')}\t0\t1\t0\t0\t0`,
    });
  }
  return unique;
}

/**
 * CPU seconds (user + system, all threads) of a process so far; NaN where /proc is missing. USER_HZ = 100.
 * (bench-support's mainThreadCpuSeconds reads one thread; the broker and Postgres work on many.)
 */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU of the Postgres backends serving one database, over a phase: snapshot before, delta after. Backends
 * that connected during the phase count from zero. Shared processes (WAL writer, checkpointer, autovacuum)
 * are not included, so this is a lower bound of what Postgres spent.
 */
async function postgresBackendCpu(database: string): Promise<() => Promise<number>> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const pids = async () =>
    ((await admin.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database])).rows as { pid: number }[]).map((r) => r.pid);
  const before = new Map((await pids()).map((pid) => [pid, processCpuSeconds(pid)]));
  return async () => {
    let seconds = 0;
    for (const pid of await pids()) seconds += processCpuSeconds(pid) - (before.get(pid) ?? 0);
    await admin.end();
    return seconds;
  };
}

async function migratedDatabase(name: string): Promise<string> {
  const url = withDatabase(serverUrl, name);
  await dropDatabase(url).catch(() => undefined);
  await ensureDatabase(url);
  // ingest's own migrations, so the table (partitioning, keys, indexes) is exactly the one the service writes.
  const dataSource = createIngestDataSource(url, 2);
  await dataSource.initialize();
  await runMigrationsLocked(dataSource, INGEST_SCHEMA);
  await dataSource.destroy();
  return url;
}

async function baseline(url: string, messages: PunchRawV1[]): Promise<{ rate: number; postgresMicrosPerRow: number; clientMicrosPerRow: number }> {
  const clients = await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  const postgresCpu = await postgresBackendCpu(new URL(url).pathname.slice(1));
  const clientCpuBefore = process.cpuUsage();
  await clients[0]!.query(`CREATE TABLE IF NOT EXISTS ingest.punches_p20250602 PARTITION OF ingest.punches FOR VALUES FROM ('2025-06-02') TO ('2025-06-03')`);
  const cols = ['tenant_id', 'device_serial', 'device_user_id', 'local_time', 'event_id', 'site_id', 'gateway_id', 'protocol', 'time_zone', 'punched_at',
    'direction', 'direction_raw', 'verify_mode', 'verify_mode_raw', 'work_code', 'source', 'received_at', 'device_cursor', 'flags', 'raw', 'first_seen_at', 'accepted_at', 'origin_partition', 'origin_offset'];
  const types = ['text', 'text', 'text', 'timestamp', 'uuid', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'text', 'text', 'text', 'text', 'timestamptz', 'text', 'jsonb', 'text', 'timestamptz', 'timestamptz', 'int4', 'int8'];
  const sql = `INSERT INTO ingest.punches (${cols.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING`;
  const batches: PunchRawV1[][] = [];
  for (let i = 0; i < messages.length; i += BATCH) batches.push(messages.slice(i, i + BATCH));
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(clients.map(async (client) => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      // The same in-batch dedupe and key order as ingest's PunchWriter (the order avoids deadlocks between
      // concurrent batches with overlapping keys), so both paths do the same database work.
      const unique = [...new Map(batch.map((p) => [p.eventId, p])).values()].sort((a, b) =>
        `${a.tenantId}\u0000${a.deviceSerial}\u0000${a.deviceUserId}\u0000${a.localTime}` < `${b.tenantId}\u0000${b.deviceSerial}\u0000${b.deviceUserId}\u0000${b.localTime}` ? -1 : 1,
      );
      const params = cols.map(() => [] as unknown[]);
      for (const p of unique) {
        [p.tenantId, p.deviceSerial, p.deviceUserId, p.localTime, p.eventId, p.siteId, p.gatewayId, p.protocol, p.timeZone, p.punchedAt,
          p.direction, p.directionRaw, p.verifyMode, p.verifyModeRaw, p.workCode, p.source, p.receivedAt, p.deviceCursor, JSON.stringify(p.flags), p.raw, p.receivedAt, new Date().toISOString(), 0, Number(p.deviceCursor)]
          .forEach((v, i) => params[i]!.push(v));
      }
      await client.query(sql, params);
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const postgresSeconds = await postgresCpu();
  await Promise.all(clients.map((c) => c.end()));
  return {
    rate: messages.length / seconds,
    postgresMicrosPerRow: (postgresSeconds * 1e6) / messages.length,
    clientMicrosPerRow: (clientCpu.user + clientCpu.system) / messages.length,
  };
}

async function main(): Promise<void> {
  progress(`building ingest; ${TOTAL} messages, ${DUPLICATE_RATIO * 100}% duplicates, batches of ${BATCH}, ${CONCURRENCY} partitions`);
  execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs'), 'ingest'], { stdio: 'ignore' });
  const broker = await startKafkaBroker({ instanceDir: join(root, '.local/kafka/bench'), fresh: true, port: await findFreePort(), controllerPort: await findFreePort() });
  const brokers = broker.brokers;
  progress(`fresh Kafka at ${brokers.join(',')} in ${(broker.startupMs / 1000).toFixed(1)} s`);
  const kafka = createKafkaClient({ brokers, clientId: 'bench', ssl: false }, silentKafkaLogger);
  await ensureTopics(kafka, [TOPICS.punchRaw.name, TOPICS.punchAccepted.name, `${TOPICS.punchRaw.name}.dlq`], { numPartitions: CONCURRENCY });
  const producer = new ContractProducer(kafka, { source: '/bench', logger: silentKafkaLogger });
  await producer.connect();
  const messages = makeMessages('bench-tenant');
  const uniqueCount = new Set(messages.map((m) => m.eventId)).size;

  const baselineUrl = await migratedDatabase('attendance_bench_baseline');
  const pipelineUrl = await migratedDatabase('attendance_bench_pipeline');
  const common = { KAFKA_BROKERS: brokers.join(','), LOG_LEVEL: 'warn', HOST: '127.0.0.1', INGEST_PARTITION_CONCURRENCY: String(CONCURRENCY), INGEST_MAX_BATCH: String(BATCH), INGEST_ACCEPTED_PRODUCER: args['accepted-producer'] };

  progress('baseline: batched INSERT ... ON CONFLICT DO NOTHING of the same rows…');
  const baselineRun = await baseline(baselineUrl, messages);
  const baselineRate = baselineRun.rate;
  progress(
    `baseline: ${Math.round(baselineRate)} rows/s; CPU per row: Postgres backends ${baselineRun.postgresMicrosPerRow.toFixed(1)} µs, ` +
      `bench client ${baselineRun.clientMicrosPerRow.toFixed(1)} µs`,
  );

  progress('pre-loading the raw topic…');
  for (let i = 0; i < messages.length; i += 5000) await producer.publish(TOPICS.punchRaw, messages.slice(i, i + 5000));

  // Replicas share the consumer group (partitions are split between them), as ingest scales in production.
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) =>
      startServiceProcess(root, 'ingest', { ...common, PORT: String(3912 + i), DATABASE_URL: pipelineUrl, INGEST_CONSUMER_GROUP: 'bench-ingest' }, `http://127.0.0.1:${3912 + i}/health/ready`),
    ),
  );
  const metricsUrls = replicas.map((_, i) => `http://127.0.0.1:${3912 + i}/metrics`);
  const sumMetric = async (name: string) => (await Promise.all(metricsUrls.map((url) => readMetric(url, name)))).reduce((a, b) => a + b, 0);
  const consumed = async () => (await sumMetric('ingest_punches_inserted_total')) + (await sumMetric('ingest_punches_duplicate_total'));
  let firstAt = 0;
  let last = 0;
  // ingest's own CPU (user + system, all threads) over the pipeline phase: unlike the rate, this hardly depends
  // on what else the shared machine is doing, so it is the figure to compare between runs and changes.
  const cpuBefore = await sumMetric('process_cpu_seconds_total');
  const mainThreadCpu = () => replicas.reduce((sum, replica) => sum + mainThreadCpuSeconds(replica.pid!), 0);
  const mainCpuBefore = mainThreadCpu();
  const brokerCpuBefore = processCpuSeconds(broker.pid);
  const pipelinePostgresCpu = await postgresBackendCpu(new URL(pipelineUrl).pathname.slice(1));
  for (;;) {
    const n = await consumed();
    if (n > 0 && firstAt === 0) firstAt = performance.now();
    if (n >= messages.length) break;
    if (n !== last) last = n;
    // NOTE: every scrape costs the measured process CPU (prom-client renders the whole registry, the default
    // metrics read process stats); 250 ms bounds the measurement error at ±0.25 s over a 10-20 s run.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const pipelineSeconds = (performance.now() - firstAt) / 1000;
  const pipelineRate = messages.length / pipelineSeconds;
  const ingestCpuMicrosPerMessage = ((await sumMetric('process_cpu_seconds_total')) - cpuBefore) * 1e6 / messages.length;
  const mainThreadMicrosPerMessage = (mainThreadCpu() - mainCpuBefore) * 1e6 / messages.length;
  const brokerMicrosPerMessage = ((processCpuSeconds(broker.pid) - brokerCpuBefore) * 1e6) / messages.length;
  const postgresMicrosPerMessage = ((await pipelinePostgresCpu()) * 1e6) / messages.length;
  const totalMicrosPerMessage = ingestCpuMicrosPerMessage + brokerMicrosPerMessage + postgresMicrosPerMessage;
  const inserted = await sumMetric('ingest_punches_inserted_total');
  // Where the time went, from ingest's own metrics (histogram sums and counts).
  const batches = await sumMetric('kafka_consumer_batch_size_count');
  const batchMessages = await sumMetric('kafka_consumer_batch_size_sum');
  const insertSeconds = await sumMetric('ingest_insert_duration_seconds_sum');
  const publishSeconds = await sumMetric('ingest_accepted_publish_duration_seconds_sum');
  progress(
    `pipeline detail: ${batches} batches of ${Math.round(batchMessages / Math.max(1, batches))} on average; ` +
      `per batch ${((1000 * insertSeconds) / Math.max(1, batches)).toFixed(1)} ms in Postgres, ` +
      `${((1000 * publishSeconds) / Math.max(1, batches)).toFixed(1)} ms publishing accepted events (overlapping the next batch's write)`,
  );
  progress(`pipeline: ${Math.round(pipelineRate)} msgs/s (${inserted} new rows, expected ${uniqueCount}); ingest CPU ${ingestCpuMicrosPerMessage.toFixed(1)} µs/msg, main thread ${mainThreadMicrosPerMessage.toFixed(1)} µs/msg`);

  progress(
    `pipeline CPU per message: ingest ${ingestCpuMicrosPerMessage.toFixed(1)} + broker ${brokerMicrosPerMessage.toFixed(1)} + Postgres backends ` +
      `${postgresMicrosPerMessage.toFixed(1)} = ${totalMicrosPerMessage.toFixed(1)} µs: ${cpus().length} cores cap the pipeline near ` +
      `${Math.round((cpus().length * 1e6) / totalMicrosPerMessage)} msgs/s (the broker's figure includes the pre-load's tail, if any)`,
  );
  progress(`latency: publishing ${STEADY_RATE}/s for ${STEADY_SECONDS} s…`);
  const pg = new Client({ connectionString: pipelineUrl });
  await pg.connect();
  const sentAt = new Map<string, number>();
  const steady = uniquePunches('bench-steady', STEADY_RATE * STEADY_SECONDS);
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((STEADY_RATE * tickMs) / 1000));
  const t0 = Date.now();
  for (let i = 0; i < steady.length; i += perTick) {
    const due = t0 + (i / perTick) * tickMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const chunk = steady.slice(i, i + perTick);
    const now = Date.now();
    for (const p of chunk) sentAt.set(p.eventId, now);
    await producer.publish(TOPICS.punchRaw, chunk);
  }
  const achievedRate = steady.length / ((Date.now() - t0) / 1000);
  let rows: { event_id: string; committed_ms: string }[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    ({ rows } = await pg.query("SELECT event_id, (extract(epoch from accepted_at) * 1000)::bigint AS committed_ms FROM ingest.punches WHERE tenant_id = 'bench-steady'"));
    if (rows.length >= steady.length) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const latencies = rows.map((r) => Number(r.committed_ms) - sentAt.get(r.event_id)!).sort((a, b) => a - b);
  await pg.end();
  await Promise.all(replicas.map((replica) => stopProcess(replica)));
  await producer.disconnect();
  await broker.stop();

  const result = {
    at: new Date().toISOString(),
    messages: TOTAL,
    replicas: REPLICAS,
    acceptedProducer: args['accepted-producer'],
    duplicateRatio: DUPLICATE_RATIO,
    baselineRowsPerSecond: Math.round(baselineRate),
    pipelineMessagesPerSecond: Math.round(pipelineRate),
    ratio: Number((pipelineRate / baselineRate).toFixed(2)),
    ingestCpuMicrosPerMessage: Number(ingestCpuMicrosPerMessage.toFixed(1)),
    mainThreadCpuMicrosPerMessage: Number(mainThreadMicrosPerMessage.toFixed(1)),
    brokerCpuMicrosPerMessage: Number(brokerMicrosPerMessage.toFixed(1)),
    postgresCpuMicrosPerMessage: Number(postgresMicrosPerMessage.toFixed(1)),
    pipelineCpuMicrosPerMessage: Number(totalMicrosPerMessage.toFixed(1)),
    baselinePostgresCpuMicrosPerRow: Number(baselineRun.postgresMicrosPerRow.toFixed(1)),
    baselineClientCpuMicrosPerRow: Number(baselineRun.clientMicrosPerRow.toFixed(1)),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    steadyRate: Math.round(achievedRate),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
    rowsOk: inserted === uniqueCount,
  };
  mkdirSync(join(root, '.local/bench'), { recursive: true });
  writeFileSync(join(root, `.local/bench/ingest-${result.at.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  process.stdout.write(
    [
      '',
      `ingest benchmark — ${TOTAL} messages, ${DUPLICATE_RATIO * 100}% duplicates, ${CONCURRENCY} partitions, batches of ${BATCH}, ${REPLICAS} ingest replica(s), accepted producer: ${result.acceptedProducer}`,
      `  baseline  INSERT … ON CONFLICT DO NOTHING (same rows, same table) : ${result.baselineRowsPerSecond} rows/s`,
      `  pipeline  raw topic → ingest → Postgres → accepted topic           : ${result.pipelineMessagesPerSecond} msgs/s   (target ≥ 20000)`,
      `  ratio     pipeline / baseline                                      : ${result.ratio}   (target ≥ 0.6)`,
      `  cpu       ingest CPU per pipeline message: whole process ${result.ingestCpuMicrosPerMessage} µs, main thread ${result.mainThreadCpuMicrosPerMessage} µs`,
      `            + broker ${result.brokerCpuMicrosPerMessage} µs + Postgres backends ${result.postgresCpuMicrosPerMessage} µs = ${result.pipelineCpuMicrosPerMessage} µs per message` +
        ` (baseline: Postgres ${result.baselinePostgresCpuMicrosPerRow} + client ${result.baselineClientCpuMicrosPerRow} µs per row)`,
      `  latency   publish → committed row at ${result.steadyRate}/s                  : p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms (${result.latencyMs.samples} samples)`,
      `  rows      ${inserted} new rows for ${uniqueCount} unique punches: ${result.rowsOk ? 'exact' : 'MISMATCH'}`,
      `  machine   load average ${result.loadAverage.join(' / ')} (1/5/15 min) on ${cpus().length} cores at the end: a busy machine lowers both rates`,
      '',
    ].join('\n'),
  );
  if (!result.rowsOk) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

import { execFileSync, type ChildProcess } from 'node:child_process';
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
import { mainThreadCpuSeconds, percentile, progress, readMetric, readMetrics, startServiceProcess, stopProcess } from './bench-support';

/**
 * `npm run bench:ingest`: ingest throughput against a raw Postgres baseline, in one run, on this machine.
 * Rounds (`--rounds`, default 3), each of them:
 *  1. baseline: the round's rows (20% duplicates) batch-inserted with INSERT ... ON CONFLICT DO NOTHING straight
 *     into an identical, freshly migrated punches table (same batch size and concurrency as ingest);
 *  2. pipeline: the same messages pre-loaded on attendance.punch.raw.v1, consumed by a freshly started ingest
 *     process (validation, dedupe, rows, accepted events published, offset commits).
 * Each round has its own tenant, so both tables grow alike. The figures judged are the medians over the rounds:
 * this is a shared 2-core VM whose speed drifts by ±20% within minutes (CPU steal), and a baseline and a
 * pipeline phase measured once each, a minute apart, gave ratios from 0.50 to 0.70 for the same code.
 * Interleaving the phases and taking medians compares the two under the same conditions.
 * Before the rounds, a smaller warm-up round of both phases that is not counted (see main).
 * Then once: latency, new punches published at a steady rate; publish → committed row, p50/p99.
 * Starts its own throw-away Kafka broker; uses DATABASE_URL's server (default local) with bench databases.
 */
const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    'duplicate-ratio': { type: 'string', default: '0.2' },
    'steady-rate': { type: 'string', default: '2000' },
    'steady-seconds': { type: 'string', default: '20' },
    /**
     * ingest processes sharing the consumer group. Default 3, as deployed (k8s/overlays/prod runs 3 ingest
     * replicas, one per raw-topic partition here), on the same two cores. `--replicas 1` measures one process
     * consuming all partitions: on this machine ~20k msgs/s, ratio ~0.6, where 3 replicas give ~30-35k; the
     * single process spends more CPU per message, Postgres included (see the README).
     */
    replicas: { type: 'string', default: '3' },
    partitions: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    /** Rows per baseline statement and ingest's INGEST_MAX_BATCH. */
    batch: { type: 'string', default: '2000' },
    /** ingest's INGEST_ACCEPTED_PRODUCER: `thread` (default) or `inline`, to compare the two in one session. */
    'accepted-producer': { type: 'string', default: 'thread' },
    /** ingest's INGEST_OVERLAP_FETCH: `true` (default) or `false`. */
    'overlap-fetch': { type: 'string', default: 'true' },
  },
});
const TOTAL = Number(args.messages);
const DUPLICATE_RATIO = Number(args['duplicate-ratio']);
const STEADY_RATE = Number(args['steady-rate']);
const STEADY_SECONDS = Number(args['steady-seconds']);
const REPLICAS = Number(args.replicas);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);
/** Raw-topic partitions, and ingest's partitionsConsumedConcurrently (and the baseline's connections). */
const CONCURRENCY = Number(args.partitions);
const root = repoRoot();
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function makeMessages(tenantId: string, total = TOTAL): PunchRawV1[] {
  const unique = uniquePunches(tenantId, Math.round(total * (1 - DUPLICATE_RATIO)));
  const all = [...unique];
  let seed = 7;
  while (all.length < total) {
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

interface PipelineRound {
  rate: number;
  inserted: number;
  ingestCpuMicrosPerMessage: number;
  mainThreadMicrosPerMessage: number;
  brokerMicrosPerMessage: number;
  postgresMicrosPerMessage: number;
  totalMicrosPerMessage: number;
}

/** Median of a non-empty list (the mean of the two middle values for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Setup {
  brokerPid: number;
  common: Record<string, string>;
  pipelineUrl: string;
}

async function startReplicas(
  setup: Setup,
): Promise<{ replicas: ChildProcess[]; sumMetric: (name: string) => Promise<number>; consumed: () => Promise<number> }> {
  // Replicas share the consumer group (partitions are split between them), as ingest scales in production.
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) =>
      startServiceProcess(
        root,
        'ingest',
        { ...setup.common, PORT: String(3912 + i), DATABASE_URL: setup.pipelineUrl, INGEST_CONSUMER_GROUP: 'bench-ingest' },
        `http://127.0.0.1:${3912 + i}/health/ready`,
      ),
    ),
  );
  const metricsUrls = replicas.map((_, i) => `http://127.0.0.1:${3912 + i}/metrics`);
  const sumMetric = async (name: string) => (await Promise.all(metricsUrls.map((url) => readMetric(url, name)))).reduce((a, b) => a + b, 0);
  /** Inserted + duplicates, one scrape per replica: this is polled while the pipeline runs. */
  const consumed = async () =>
    (await Promise.all(metricsUrls.map((url) => readMetrics(url, ['ingest_punches_inserted_total', 'ingest_punches_duplicate_total']))))
      .flat()
      .reduce((a, b) => a + b, 0);
  return { replicas, sumMetric, consumed };
}

/** One pipeline round: the messages are already on the raw topic; fresh ingest replicas consume them all. */
async function pipelineRound(setup: Setup, messageCount: number): Promise<PipelineRound> {
  const { replicas, sumMetric, consumed } = await startReplicas(setup);
  let firstAt = 0;
  // ingest's own CPU (user + system, all threads) over the pipeline phase: unlike the rate, this hardly depends
  // on what else the shared machine is doing, so it is the figure to compare between runs and changes.
  const cpuBefore = await sumMetric('process_cpu_seconds_total');
  const mainThreadCpu = () => replicas.reduce((sum, replica) => sum + mainThreadCpuSeconds(replica.pid!), 0);
  const mainCpuBefore = mainThreadCpu();
  const brokerCpuBefore = processCpuSeconds(setup.brokerPid);
  const pipelinePostgresCpu = await postgresBackendCpu(new URL(setup.pipelineUrl).pathname.slice(1));
  for (;;) {
    const n = await consumed();
    if (n > 0 && firstAt === 0) firstAt = performance.now();
    if (n >= messageCount) break;
    // NOTE: every scrape costs the measured process CPU (prom-client renders the whole registry, the default
    // metrics read process stats); 250 ms bounds the measurement error at ±0.25 s over a 10-20 s run.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - firstAt) / 1000;
  const ingestCpuMicrosPerMessage = (((await sumMetric('process_cpu_seconds_total')) - cpuBefore) * 1e6) / messageCount;
  const mainThreadMicrosPerMessage = ((mainThreadCpu() - mainCpuBefore) * 1e6) / messageCount;
  const brokerMicrosPerMessage = ((processCpuSeconds(setup.brokerPid) - brokerCpuBefore) * 1e6) / messageCount;
  const postgresMicrosPerMessage = ((await pipelinePostgresCpu()) * 1e6) / messageCount;
  const inserted = await sumMetric('ingest_punches_inserted_total');
  // Where the time went, from ingest's own metrics (histogram sums and counts).
  const batches = await sumMetric('kafka_consumer_batch_size_count');
  const batchMessages = await sumMetric('kafka_consumer_batch_size_sum');
  const insertSeconds = await sumMetric('ingest_insert_duration_seconds_sum');
  const publishSeconds = await sumMetric('ingest_accepted_publish_duration_seconds_sum');
  progress(
    `  pipeline detail: ${batches} batches of ${Math.round(batchMessages / Math.max(1, batches))} on average; ` +
      `per batch ${((1000 * insertSeconds) / Math.max(1, batches)).toFixed(1)} ms in Postgres, ` +
      `${((1000 * publishSeconds) / Math.max(1, batches)).toFixed(1)} ms publishing accepted events (overlapping the next batch's write)`,
  );
  await Promise.all(replicas.map((replica) => stopProcess(replica)));
  return {
    rate: messageCount / seconds,
    inserted,
    ingestCpuMicrosPerMessage,
    mainThreadMicrosPerMessage,
    brokerMicrosPerMessage,
    postgresMicrosPerMessage,
    totalMicrosPerMessage: ingestCpuMicrosPerMessage + brokerMicrosPerMessage + postgresMicrosPerMessage,
  };
}

/** Publishes new punches at a steady rate and measures publish → committed row (accepted_at). */
async function latencyPhase(setup: Setup, producer: ContractProducer): Promise<{ achievedRate: number; latencies: number[] }> {
  const { replicas } = await startReplicas(setup);
  const pg = new Client({ connectionString: setup.pipelineUrl });
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
  await pg.end();
  await Promise.all(replicas.map((replica) => stopProcess(replica)));
  return { achievedRate, latencies: rows.map((r) => Number(r.committed_ms) - sentAt.get(r.event_id)!).sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  progress(`building ingest; ${ROUNDS} rounds of ${TOTAL} messages, ${DUPLICATE_RATIO * 100}% duplicates, batches of ${BATCH}, ${CONCURRENCY} partitions`);
  execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs'), 'ingest'], { stdio: 'ignore' });
  const broker = await startKafkaBroker({ instanceDir: join(root, '.local/kafka/bench'), fresh: true, port: await findFreePort(), controllerPort: await findFreePort() });
  const brokers = broker.brokers;
  progress(`fresh Kafka at ${brokers.join(',')} in ${(broker.startupMs / 1000).toFixed(1)} s`);
  const kafka = createKafkaClient({ brokers, clientId: 'bench', ssl: false }, silentKafkaLogger);
  await ensureTopics(kafka, [TOPICS.punchRaw.name, TOPICS.punchAccepted.name, `${TOPICS.punchRaw.name}.dlq`], { numPartitions: CONCURRENCY });
  const producer = new ContractProducer(kafka, { source: '/bench', logger: silentKafkaLogger });
  await producer.connect();

  const baselineUrl = await migratedDatabase('attendance_bench_baseline');
  const pipelineUrl = await migratedDatabase('attendance_bench_pipeline');
  const setup: Setup = {
    brokerPid: broker.pid,
    pipelineUrl,
    common: { KAFKA_BROKERS: brokers.join(','), LOG_LEVEL: 'warn', HOST: '127.0.0.1', INGEST_PARTITION_CONCURRENCY: String(CONCURRENCY), INGEST_MAX_BATCH: String(BATCH), INGEST_ACCEPTED_PRODUCER: args['accepted-producer'], INGEST_OVERLAP_FETCH: args['overlap-fetch'] },
  };

  const baselineRounds: Awaited<ReturnType<typeof baseline>>[] = [];
  const pipelineRounds: PipelineRound[] = [];
  let uniqueTotal = 0;
  // Warm-up, not counted: a fresh broker JIT-compiles its produce and fetch paths during its first minute, which
  // showed as 11-15 µs of broker CPU per message in a first round against 6-10 in later ones; Postgres and the
  // page cache warm up alike for both phases.
  const warmUp = makeMessages('bench-warmup', Math.round(TOTAL / 5));
  progress(`warm-up (not counted): baseline and pipeline, ${warmUp.length} messages…`);
  await baseline(baselineUrl, warmUp);
  for (let i = 0; i < warmUp.length; i += 5000) await producer.publish(TOPICS.punchRaw, warmUp.slice(i, i + 5000));
  await pipelineRound(setup, warmUp.length);

  for (let round = 1; round <= ROUNDS; round++) {
    const messages = makeMessages(`bench-tenant-${round}`);
    uniqueTotal += new Set(messages.map((m) => m.eventId)).size;
    progress(`round ${round}/${ROUNDS}: baseline, batched INSERT ... ON CONFLICT DO NOTHING of the round's rows…`);
    const base = await baseline(baselineUrl, messages);
    baselineRounds.push(base);
    progress(`  baseline: ${Math.round(base.rate)} rows/s; CPU per row: Postgres backends ${base.postgresMicrosPerRow.toFixed(1)} µs, bench client ${base.clientMicrosPerRow.toFixed(1)} µs`);
    progress(`round ${round}/${ROUNDS}: pre-loading the raw topic, then the pipeline…`);
    for (let i = 0; i < messages.length; i += 5000) await producer.publish(TOPICS.punchRaw, messages.slice(i, i + 5000));
    const run = await pipelineRound(setup, messages.length);
    pipelineRounds.push(run);
    progress(
      `  pipeline: ${Math.round(run.rate)} msgs/s (ratio to this round's baseline ${(run.rate / base.rate).toFixed(2)}); CPU per message: ` +
        `ingest ${run.ingestCpuMicrosPerMessage.toFixed(1)} (main thread ${run.mainThreadMicrosPerMessage.toFixed(1)}) + broker ` +
        `${run.brokerMicrosPerMessage.toFixed(1)} + Postgres backends ${run.postgresMicrosPerMessage.toFixed(1)} = ${run.totalMicrosPerMessage.toFixed(1)} µs, ` +
        `a cap near ${Math.round((cpus().length * 1e6) / run.totalMicrosPerMessage)} msgs/s on ${cpus().length} cores`,
    );
  }
  const inserted = pipelineRounds[pipelineRounds.length - 1]!.inserted; // the last round's process counted only its own
  const insertedTotal = (await countRows(pipelineUrl, 'bench-tenant-%'));

  progress(`latency: publishing ${STEADY_RATE}/s for ${STEADY_SECONDS} s…`);
  const { achievedRate, latencies } = await latencyPhase(setup, producer);
  await producer.disconnect();
  await broker.stop();

  const baselineRate = median(baselineRounds.map((r) => r.rate));
  const pipelineRate = median(pipelineRounds.map((r) => r.rate));
  const pick = (f: (r: PipelineRound) => number) => Number(median(pipelineRounds.map(f)).toFixed(1));
  const result = {
    at: new Date().toISOString(),
    messages: TOTAL,
    rounds: ROUNDS,
    replicas: REPLICAS,
    acceptedProducer: args['accepted-producer'],
    duplicateRatio: DUPLICATE_RATIO,
    baselineRowsPerSecond: Math.round(baselineRate),
    pipelineMessagesPerSecond: Math.round(pipelineRate),
    ratio: Number((pipelineRate / baselineRate).toFixed(2)),
    perRound: baselineRounds.map((b, i) => ({ baseline: Math.round(b.rate), pipeline: Math.round(pipelineRounds[i]!.rate), ratio: Number((pipelineRounds[i]!.rate / b.rate).toFixed(2)) })),
    ingestCpuMicrosPerMessage: pick((r) => r.ingestCpuMicrosPerMessage),
    mainThreadCpuMicrosPerMessage: pick((r) => r.mainThreadMicrosPerMessage),
    brokerCpuMicrosPerMessage: pick((r) => r.brokerMicrosPerMessage),
    postgresCpuMicrosPerMessage: pick((r) => r.postgresMicrosPerMessage),
    pipelineCpuMicrosPerMessage: pick((r) => r.totalMicrosPerMessage),
    baselinePostgresCpuMicrosPerRow: Number(median(baselineRounds.map((r) => r.postgresMicrosPerRow)).toFixed(1)),
    baselineClientCpuMicrosPerRow: Number(median(baselineRounds.map((r) => r.clientMicrosPerRow)).toFixed(1)),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    steadyRate: Math.round(achievedRate),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
    rowsOk: insertedTotal === uniqueTotal && inserted === uniqueTotal / ROUNDS,
  };
  mkdirSync(join(root, '.local/bench'), { recursive: true });
  writeFileSync(join(root, `.local/bench/ingest-${result.at.replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  process.stdout.write(
    [
      '',
      `ingest benchmark — ${ROUNDS} rounds of ${TOTAL} messages, ${DUPLICATE_RATIO * 100}% duplicates, ${CONCURRENCY} partitions, batches of ${BATCH}, ${REPLICAS} ingest replica(s), accepted producer: ${result.acceptedProducer}`,
      `  rounds    baseline / pipeline / ratio: ${result.perRound.map((r) => `${r.baseline} / ${r.pipeline} / ${r.ratio}`).join(';  ')}`,
      `  baseline  INSERT … ON CONFLICT DO NOTHING (same rows, same table), median : ${result.baselineRowsPerSecond} rows/s`,
      `  pipeline  raw topic → ingest → Postgres → accepted topic, median           : ${result.pipelineMessagesPerSecond} msgs/s   (target ≥ 20000)`,
      `  ratio     pipeline / baseline (medians)                                    : ${result.ratio}   (target ≥ 0.6)`,
      `  cpu       ingest CPU per pipeline message: whole process ${result.ingestCpuMicrosPerMessage} µs, main thread ${result.mainThreadCpuMicrosPerMessage} µs`,
      `            + broker ${result.brokerCpuMicrosPerMessage} µs + Postgres backends ${result.postgresCpuMicrosPerMessage} µs = ${result.pipelineCpuMicrosPerMessage} µs per message` +
        ` (baseline: Postgres ${result.baselinePostgresCpuMicrosPerRow} + client ${result.baselineClientCpuMicrosPerRow} µs per row; medians)`,
      `  latency   publish → committed row at ${result.steadyRate}/s                  : p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms (${result.latencyMs.samples} samples)`,
      `  rows      ${insertedTotal} rows for ${uniqueTotal} unique punches over the rounds: ${result.rowsOk ? 'exact' : 'MISMATCH'}`,
      `  machine   load average ${result.loadAverage.join(' / ')} (1/5/15 min) on ${cpus().length} cores at the end: a busy machine lowers both rates`,
      '',
    ].join('\n'),
  );
  if (!result.rowsOk) process.exitCode = 1;
}

async function countRows(url: string, tenantPattern: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query('SELECT count(*)::int AS n FROM ingest.punches WHERE tenant_id LIKE $1', [tenantPattern]);
  await client.end();
  return (rows[0] as { n: number }).n;
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

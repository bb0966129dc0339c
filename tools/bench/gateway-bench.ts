import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { punchEventId, resolveLocalTime, tenantScopedKey, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { cloudEventHeaders, ensureTopics } from '@attendance/kafka';
import { EdgeStore } from '../../services/device-gateway/src/store/edge-store';
import { startKafkaBroker } from '../infra/kafka-broker';
import { findFreePort } from '../infra/ports';
import { repoRoot } from '../infra/repo-root';
import { histogramPercentileBound, mainThreadCpuSeconds, percentile, progress, readHistogram, readMetric, readServiceLoopProbe, serviceLoopProbe, startServiceProcess, stopProcess, type ServiceLoopProbe } from './bench-support';

/**
 * `npm run bench:gateway`: the edge gateway, as a real process on a real SQLite file, on this machine.
 *  1. acks: 200 simulated ADMS devices push ATTLOG batches as fast as they are answered (closed loop) for
 *     --ack-seconds; every `OK: n` means the punches are committed (WAL, synchronous=FULL). Durable punches/s
 *     and p50/p99 request → OK latency, measured by the devices. The relay publishes to Kafka meanwhile.
 *  1b. paced: the same devices upload on a schedule that adds up to --paced-rate punches/s (like real devices,
 *     which push as people punch) for --paced-seconds; latency is measured from each upload's scheduled time, so
 *     a slow answer that delays the next upload is counted, not hidden (no coordinated omission).
 *  2. drain: --punches punches of 200 devices are written into a fresh outbox (an outage's backlog); the
 *     gateway is started on it and drains it to Kafka. Rows stored before start-up are re-checked against the
 *     contract, as after any restart. Drain rate, and the gateway's peak RSS while holding and draining them.
 *  3. baseline: a bare kafkajs producer (idempotent, acks=all, same keys, values and headers, same batch size,
 *     one send at a time like the relay) sends the same messages, read from the same file; drain rate / baseline = ratio.
 * The p99 < 50 ms target of issue 3 is judged on the paced phase (p99 while sustaining 5,000 punches/s); the
 * closed loop shows the maximum durable rate, and its latency is, by construction, queueing at saturation.
 * `--phases ack,paced,drain,baseline` (default all) runs only some phases; baseline alone still buffers the file.
 * Starts its own throw-away Kafka broker (1M punches must not land on a shared attendance.punch.raw.v1), unless
 * --brokers is given.
 */
const { values: args } = parseArgs({
  options: {
    punches: { type: 'string', default: '1000000' },
    devices: { type: 'string', default: '200' },
    'ack-seconds': { type: 'string', default: '20' },
    'lines-per-upload': { type: 'string', default: '10' },
    'relay-batch': { type: 'string', default: '500' },
    'paced-rate': { type: 'string', default: '5000' },
    'paced-seconds': { type: 'string', default: '15' },
    brokers: { type: 'string' },
    // e.g. `--phases drain,baseline` or `--phases ack,paced`; a phase's output line is printed only when it ran
    phases: { type: 'string', default: 'ack,paced,drain,baseline' },
  },
});
const PHASE_NAMES = ['ack', 'paced', 'drain', 'baseline'] as const;
type Phase = (typeof PHASE_NAMES)[number];
const phases = new Set(
  args.phases.split(',').map((name) => {
    const phase = name.trim() as Phase;
    if (!PHASE_NAMES.includes(phase)) throw new Error(`--phases: unknown phase "${name}" (known: ${PHASE_NAMES.join(', ')})`);
    return phase;
  }),
);
const PUNCHES = Number(args.punches);
const DEVICES = Number(args.devices);
const ACK_SECONDS = Number(args['ack-seconds']);
const LINES = Number(args['lines-per-upload']);
const RELAY_BATCH = Number(args['relay-batch']);
const PACED_RATE = Number(args['paced-rate']);
const PACED_SECONDS = Number(args['paced-seconds']);
const TENANT = 'bench-tenant';
const root = repoRoot();
// As deployed (NODE_OPTIONS of deploy/docker/device-gateway/Dockerfile), so RSS is what a site sees.
process.env.BENCH_NODE_FLAGS ??= '--max-semi-space-size=4 --max-old-space-size=192';
const serials = Array.from({ length: DEVICES }, (_, i) => `BENCH${String(i).padStart(4, '0')}`);

function localTimeOf(second: number): string {
  const day = Math.floor(second / 86400);
  const date = new Date(Date.UTC(2025, 0, 1 + day)).toISOString().slice(0, 10);
  const s = second % 86400;
  return `${date} ${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

async function gatewayEnv(dataDir: string, brokers: string[]) {
  const devicePort = await findFreePort();
  const apiPort = await findFreePort();
  writeFileSync(join(dataDir, 'devices.yaml'), `devices:\n${serials.map((s) => `  - serial: ${s}`).join('\n')}\n`);
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    GATEWAY_ID: 'gw-bench',
    TENANT_ID: TENANT,
    SITE_ID: 'site-1',
    SITE_TIME_ZONE: 'Asia/Kolkata',
    GATEWAY_DATA_DIR: dataDir,
    GATEWAY_CONFIG: join(dataDir, 'devices.yaml'),
    DEVICE_HTTP_PORT: String(devicePort),
    API_PORT: String(apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RELAY_BATCH_SIZE: String(RELAY_BATCH),
    RELAY_IDLE_POLL_MS: '200',
  };
  return { env, deviceUrl: `http://127.0.0.1:${devicePort}`, apiUrl: `http://127.0.0.1:${apiPort}` };
}

// Each simulated device keeps its connection open between uploads, as undici's fetch did, but through node:http:
// the devices run in the bench process on the same two cores as the gateway, and fetch's WHATWG machinery cost
// the bench client (not the gateway) CPU that then showed up as latency.
const deviceAgent = new Agent({ keepAlive: true, maxSockets: Infinity });

/** One ADMS upload: POST the body, resolve with the reply text (any status; the caller checks it). */
function postUpload(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: deviceAgent, headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** One gateway for the ack and paced phases (paced runs after the closed loop when both are asked for). */
async function ackAndPacedPhases(brokers: string[]) {
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-ack-'));
  const { env, deviceUrl, apiUrl } = await gatewayEnv(dataDir, brokers);
  const probe = serviceLoopProbe(dataDir);
  const gateway = await startServiceProcess(root, 'device-gateway', { ...env, ...probe.env }, `${apiUrl}/health/ready`, [probe.nodeFlag]);
  /** Runs one phase and what it cost: the gateway's event-loop delay and GC, its main-thread CPU, the bench's own loop delay. */
  const observed = async <T extends { uploads: number }>(run: () => Promise<T>) => {
    await readServiceLoopProbe(gateway, probe.file); // resets the histogram: start of the phase
    const serverBefore = await readHistogram(`${apiUrl}/metrics`, 'gateway_upload_ack_seconds');
    const cpuBefore = mainThreadCpuSeconds(gateway.pid!);
    const clientDelay = monitorEventLoopDelay({ resolution: 1 });
    clientDelay.enable();
    const result = await run();
    clientDelay.disable();
    const cpuSeconds = mainThreadCpuSeconds(gateway.pid!) - cpuBefore;
    const loop = await readServiceLoopProbe(gateway, probe.file);
    // The gateway's own view (request body received → durable), to tell its delays from the client's and HTTP's
    const serverAfter = await readHistogram(`${apiUrl}/metrics`, 'gateway_upload_ack_seconds');
    const server = { p50Ms: histogramPercentileBound(serverBefore, serverAfter, 50) * 1000, p99Ms: histogramPercentileBound(serverBefore, serverAfter, 99) * 1000 };
    return { ...result, loop, server, mainThreadUsPerUpload: (cpuSeconds * 1e6) / Math.max(1, result.uploads), clientDelayP99Ms: clientDelay.percentile(99) / 1e6, clientDelayMaxMs: clientDelay.max / 1e6 };
  };
  try {
    const ack = phases.has('ack') ? await observed(() => ackPhase(deviceUrl)) : null;
    if (ack) progress(`acks done: ${ack.acked} punches in ${ack.seconds.toFixed(1)} s`);
    // The closed loop acks faster than live relaying keeps up with: let the relay finish that backlog first, so
    // the paced phase measures a gateway sustaining 5,000/s, not one also draining the previous phase's punches.
    if (ack && phases.has('paced')) await waitForEmptyOutbox(apiUrl);
    const paced = phases.has('paced') ? await observed(() => pacedPhase(deviceUrl)) : null;
    const published = await readMetric(`${apiUrl}/metrics`, 'gateway_relay_published_total');
    return { ack, paced, published };
  } finally {
    await stopProcess(gateway);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Closed loop: every device uploads again as soon as it is answered, for ACK_SECONDS. */
async function ackPhase(deviceUrl: string) {
  const latencies: number[] = [];
  // A device's first upload also opens its connection: 200 at once queue for seconds on a loaded box
  const afterFirst: number[] = [];
  let acked = 0;
  let failures = 0;
  const deadline = performance.now() + ACK_SECONDS * 1000;
  const device = async (serial: string, index: number) => {
    // NOTE: a day apart per device and all in 2025: spaced 10M s apart, most devices punched years in the future,
    // so nearly every line was quarantined as implausible and the bench measured the quarantine path
    let second = index * 86_400;
    let firstUpload = true;
    while (performance.now() < deadline) {
      const lines = Array.from({ length: LINES }, () => `${100 + index}\t${localTimeOf(second++)}\t0\t1\t0\t0\t0`);
      const started = performance.now();
      try {
        const text = await postUpload(`${deviceUrl}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${second}`, lines.join('\n') + '\n');
        if (text === `OK: ${LINES}`) {
          latencies.push(performance.now() - started);
          if (!firstUpload) afterFirst.push(performance.now() - started);
          acked += LINES;
        } else failures++;
      } catch {
        failures++;
      }
      firstUpload = false;
    }
  };
  progress(`acks: ${DEVICES} devices × ${LINES} punches per upload for ${ACK_SECONDS} s`);
  const started = performance.now();
  await Promise.all(serials.map(device));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  afterFirst.sort((a, b) => a - b);
  return { acked, seconds, failures, uploads: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), p99AfterFirst: percentile(afterFirst, 99) };
}

/** Open loop: every device uploads every DEVICES×LINES/PACED_RATE s (staggered), for PACED_SECONDS. */
async function waitForEmptyOutbox(apiUrl: string, timeoutMs = 180_000): Promise<void> {
  const started = performance.now();
  let backlog = await readMetric(`${apiUrl}/metrics`, 'gateway_outbox_backlog');
  if (backlog > 0) progress(`waiting for the relay to publish the closed loop's backlog of ${backlog.toLocaleString('en')} punches`);
  while (backlog > 0) {
    if (performance.now() - started > timeoutMs) throw new Error(`the outbox still holds ${backlog} punches after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    backlog = await readMetric(`${apiUrl}/metrics`, 'gateway_outbox_backlog');
  }
  progress(`outbox empty after ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function pacedPhase(deviceUrl: string) {
  const intervalMs = (DEVICES * LINES * 1000) / PACED_RATE;
  progress(`paced: ${DEVICES} devices, one upload of ${LINES} each every ${intervalMs.toFixed(0)} ms (${PACED_RATE.toLocaleString('en')} punches/s) for ${PACED_SECONDS} s`);
  const latencies: number[] = [];
  let acked = 0;
  let failures = 0;
  const start = performance.now() + 500;
  const end = start + PACED_SECONDS * 1000;
  const device = async (serial: string, index: number) => {
    let second = index * 86_400 + 43_200; // the afternoon of the device's day: no overlap with the closed loop
    for (let due = start + (index * intervalMs) / DEVICES; due < end; due += intervalMs) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const lines = Array.from({ length: LINES }, () => `${100 + index}\t${localTimeOf(second++)}\t0\t1\t0\t0\t0`);
      try {
        if ((await postUpload(`${deviceUrl}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${second}`, lines.join('\n') + '\n')) === `OK: ${LINES}`) {
          latencies.push(performance.now() - due);
          acked += LINES;
        } else failures++;
      } catch {
        failures++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(serials.map(device));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: acked / seconds, failures, uploads: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
}

/** What the phase cost the gateway's main thread, and whether the bench's own loop kept up (it runs the devices). */
function loopLine(phase: { loop: ServiceLoopProbe | null; server: { p50Ms: number; p99Ms: number }; mainThreadUsPerUpload: number; clientDelayP99Ms: number; clientDelayMaxMs: number }): string {
  const loop = phase.loop
    ? `gateway event-loop delay p50 ${phase.loop.delayP50Ms.toFixed(1)} ms, p99 ${phase.loop.delayP99Ms.toFixed(1)} ms, max ${phase.loop.delayMaxMs.toFixed(0)} ms; GC ${phase.loop.gcCount} pauses, ${phase.loop.gcTotalMs.toFixed(0)} ms total, max ${phase.loop.gcMaxMs.toFixed(1)} ms`
    : 'gateway event-loop probe did not answer';
  const server = `gateway's own body-received → durable p50 <= ${phase.server.p50Ms} ms, p99 <= ${phase.server.p99Ms} ms (histogram bounds)`;
  return `          ${server}; ${loop}; gateway main thread ${phase.mainThreadUsPerUpload.toFixed(0)} µs CPU/upload; bench client loop delay p99 ${phase.clientDelayP99Ms.toFixed(1)} ms, max ${phase.clientDelayMaxMs.toFixed(0)} ms`;
}

/** Writes an outage's backlog straight into a fresh gateway database: valid punches, round-robin over devices. */
function fillOutbox(databasePath: string): void {
  const store = EdgeStore.open(databasePath);
  const rawRequestId = store.rawRequests.insert({ deviceSerial: serials[0]!, protocol: 'zk-push2', tableName: 'ATTLOG', query: 'bench', body: Buffer.from('bench'), receivedAt: new Date().toISOString(), outcome: 'parsed' });
  const receivedAt = new Date().toISOString();
  const CHUNK = 20_000;
  for (let offset = 0; offset < PUNCHES; offset += CHUNK) {
    store.transaction(() => {
      for (let n = offset; n < Math.min(PUNCHES, offset + CHUNK); n++) {
        const index = n % DEVICES;
        const serial = serials[index]!;
        const localTime = localTimeOf(Math.floor(n / DEVICES)).replace(' ', 'T');
        const resolved = resolveLocalTime(localTime, 'Asia/Kolkata');
        const deviceUserId = String(100 + index);
        const punch: PunchRawV1 = {
          eventId: punchEventId({ tenantId: TENANT, deviceSerial: serial, deviceUserId, localTime: resolved.localTime }),
          tenantId: TENANT,
          siteId: 'site-1',
          gatewayId: 'gw-bench',
          deviceSerial: serial,
          protocol: 'zk-push2',
          deviceUserId,
          localTime: resolved.localTime,
          timeZone: 'Asia/Kolkata',
          punchedAt: resolved.punchedAt,
          direction: 'in',
          directionRaw: '0',
          verifyMode: 'fingerprint',
          verifyModeRaw: '1',
          workCode: null,
          source: 'push',
          receivedAt,
          deviceCursor: null,
          flags: { clockSuspect: false, dstAmbiguous: false, dstGap: false },
          raw: `${deviceUserId}\t${resolved.localTime.replace('T', ' ')}\t0\t1\t0\t0\t0`,
        };
        store.outbox.insert({ eventId: punch.eventId, deviceSerial: serial, rawRequestId, payload: JSON.stringify(punch), createdAt: receivedAt });
      }
    });
    if (offset % 200_000 === 0) progress(`  buffered ${offset.toLocaleString('en')} punches`);
  }
  store.close();
}

async function drainPhase(brokers: string[], dataDir: string) {
  const { env, apiUrl } = await gatewayEnv(dataDir, brokers);
  const gateway = await startServiceProcess(root, 'device-gateway', env, `${apiUrl}/health/ready`);
  const pid = gateway.pid!;
  const heldKb = memoryKb(pid, 'VmRSS');
  const started = performance.now();
  let peakRssKb = heldKb;
  // NOTE: watched from our own read-only connection (WAL readers do not block the gateway), on the partial
  // index of unsent rows: a /metrics scrape would COUNT a million rows on the gateway's thread every time.
  const watcher = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true });
  const anyUnsent = watcher.prepare('SELECT 1 FROM punch_outbox WHERE published_at IS NULL AND rejected_reason IS NULL LIMIT 1');
  for (;;) {
    peakRssKb = Math.max(peakRssKb, memoryKb(pid, 'VmRSS'));
    if (anyUnsent.get() === undefined) break;
    if (gateway.exitCode !== null) throw new Error(`gateway exited with ${gateway.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  watcher.close();
  const seconds = (performance.now() - started) / 1000;
  const hwmKb = memoryKb(pid, 'VmHWM');
  const backlog = await readMetric(`${apiUrl}/metrics`, 'gateway_outbox_backlog');
  await stopProcess(gateway);
  return { seconds, rate: PUNCHES / seconds, heldRssMb: heldKb / 1024, peakRssMb: Math.max(peakRssKb, hwmKb) / 1024, backlogAfter: backlog };
}

/** The same messages (from the same file, in id order) through a bare kafkajs producer, one batch at a time. */
async function baselinePhase(brokers: string[], databasePath: string) {
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const store = EdgeStore.open(databasePath);
  const rows = store.db.prepare('SELECT event_id, device_serial, payload FROM punch_outbox ORDER BY id').iterate() as IterableIterator<{ event_id: string; device_serial: string; payload: string }>;
  const started = performance.now();
  let batch: { key: string; value: string; headers: ReturnType<typeof cloudEventHeaders> }[] = [];
  let sent = 0;
  const flush = async () => {
    await producer.send({ topic: TOPICS.punchRaw.name, acks: -1, messages: batch });
    sent += batch.length;
    batch = [];
  };
  for (const row of rows) {
    // the same bytes the relay sends: key, stored value, CloudEvents headers
    batch.push({ key: tenantScopedKey(TENANT, row.device_serial), value: row.payload, headers: cloudEventHeaders(TOPICS.punchRaw, row.event_id, { source: '/device-gateway/gw-bench' }) });
    if (batch.length >= RELAY_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  const seconds = (performance.now() - started) / 1000;
  store.close();
  await producer.disconnect();
  return { seconds, rate: sent / seconds };
}

async function main(): Promise<void> {
  progress(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared: figures are under contention)`);
  execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs'), 'device-gateway'], { stdio: 'inherit' });
  const broker = args.brokers
    ? null
    : await startKafkaBroker({ instanceDir: join(root, '.local/kafka/bench-gateway'), fresh: true, port: await findFreePort(), controllerPort: await findFreePort() });
  const brokers = args.brokers ? args.brokers.split(',') : broker!.brokers;
  if (broker) progress(`fresh Kafka at ${brokers.join(',')} in ${(broker.startupMs / 1000).toFixed(1)} s`);
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-bench-drain-'));
  try {
    await ensureTopics(new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }), [TOPICS.punchRaw.name, TOPICS.gatewayHeartbeat.name, TOPICS.deviceEvent.name], { numPartitions: 3 });

    const { ack, paced } = phases.has('ack') || phases.has('paced') ? await ackAndPacedPhases(brokers) : { ack: null, paced: null };

    let drain: Awaited<ReturnType<typeof drainPhase>> | null = null;
    let baseline: Awaited<ReturnType<typeof baselinePhase>> | null = null;
    let fileMb = 0;
    if (phases.has('drain') || phases.has('baseline')) {
      progress(`drain: buffering ${PUNCHES.toLocaleString('en')} punches of ${DEVICES} devices in SQLite`);
      const databasePath = join(dataDir, 'gateway.sqlite');
      fillOutbox(databasePath);
      fileMb = (statSync(databasePath).size + (statSync(`${databasePath}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 1048576;
      if (phases.has('drain')) {
        drain = await drainPhase(brokers, dataDir);
        progress(`drain done in ${drain.seconds.toFixed(1)} s`);
      }
      if (phases.has('baseline')) baseline = await baselinePhase(brokers, databasePath);
    }

    const lines = ['', `device-gateway bench (${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}; the machine is shared, figures are under contention)`];
    if (ack) {
      const ackRate = ack.acked / ack.seconds;
      lines.push(
        `acks      ${DEVICES} ADMS devices closed loop, ${LINES} punches/upload: ${Math.round(ackRate).toLocaleString('en')} durable punches/s (${Math.round(ack.uploads / ack.seconds)} uploads/s), ack latency p50 ${ack.p50.toFixed(1)} ms, p99 ${ack.p99.toFixed(1)} ms (${ack.p99AfterFirst.toFixed(1)} ms without each device's first upload), ${ack.failures} failed uploads   [target >= 5,000/s; saturated, so its latency is queueing, not judged]`,
      );
      lines.push(loopLine(ack));
    }
    if (paced) {
      lines.push(
        `paced     ${DEVICES} ADMS devices at ${PACED_RATE.toLocaleString('en')} punches/s offered: ${Math.round(paced.rate).toLocaleString('en')} acked/s, ack latency from the scheduled send p50 ${paced.p50.toFixed(1)} ms, p99 ${paced.p99.toFixed(1)} ms, max ${paced.max.toFixed(0)} ms, ${paced.failures} failed uploads   [target: p99 < 50 ms while sustaining 5,000/s]`,
      );
      lines.push(loopLine(paced));
    }
    if (drain) {
      lines.push(
        `drain     ${PUNCHES.toLocaleString('en')} buffered punches (${fileMb.toFixed(0)} MB SQLite) → Kafka in ${drain.seconds.toFixed(1)} s: ${Math.round(drain.rate).toLocaleString('en')} punches/s (relay batch ${RELAY_BATCH})   [target >= 20,000/s]`,
      );
    }
    if (baseline) {
      const ratio = drain ? ` → relay/baseline ratio ${(drain.rate / baseline.rate).toFixed(2)}` : '';
      lines.push(`baseline  bare kafkajs producer, same messages: ${Math.round(baseline.rate).toLocaleString('en')} msgs/s${ratio}`);
    }
    if (drain) {
      lines.push(
        `memory    gateway RSS holding the backlog ${drain.heldRssMb.toFixed(0)} MB, peak while draining ${drain.peakRssMb.toFixed(0)} MB   [target < 200 MB]; backlog after drain ${drain.backlogAfter}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await broker?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killWithParent, withParentDeathSignal } from '../infra/child-reaper';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function progress(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

/** Reads a Prometheus counter/gauge (first sample, no labels) from a /metrics page. */
export async function readMetric(metricsUrl: string, name: string): Promise<number> {
  return (await readMetrics(metricsUrl, [name]))[0]!;
}

/**
 * Several counters/gauges from ONE scrape of a /metrics page. A scrape costs the measured service CPU (the
 * registry is rendered, process stats are read), so a polling loop should take what it needs from one.
 */
export async function readMetrics(metricsUrl: string, names: readonly string[]): Promise<number[]> {
  const lines = (await (await fetch(metricsUrl)).text()).split('\n');
  return names.map((name) => {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  });
}

/** Starts a built service bundle as a child process and waits for /health/ready. */
export async function startServiceProcess(root: string, service: string, env: Record<string, string>, readyUrl: string, extraNodeFlags: readonly string[] = []): Promise<ChildProcess> {
  // BENCH_CPU_PROFILE=<dir> writes a V8 CPU profile of the service (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`] : [];
  // As deployed (docker-compose.yml sets NODE_OPTIONS for ingest): a larger young generation, because the batch loops allocate a lot of
  // short-lived objects and scavenges showed up as ~16% of CPU.
  profile.push(...(process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean));
  profile.push(...extraNodeFlags);
  // The service must not outlive the benchmark, however the benchmark ends (Ctrl-C, kill, crash).
  const [command, args] = withParentDeathSignal(process.execPath, [...profile, join(root, `dist/services/${service}/main.js`)]);
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const release = killWithParent(child.pid!);
  child.once('exit', release);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}`);
    try {
      if ((await fetch(readyUrl)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${service} not ready at ${readyUrl}`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * CPU seconds (user + system) used so far by the main thread of a process: the thread that bounds a Node
 * service's throughput. Linux only (/proc); NaN elsewhere. Assumes USER_HZ = 100, as on every Linux build.
 */
export function mainThreadCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** What a service's event loop went through between two `readServiceLoopProbe` calls (ms). */
export interface ServiceLoopProbe {
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

// Loaded into the service with --require: an event-loop-delay histogram (1 ms resolution) and GC pause totals,
// written to BENCH_LOOP_PROBE_FILE and reset on SIGWINCH, so a bench can read them per phase without the service
// knowing about benches. NOTE: SIGWINCH because Nest's enableShutdownHooks() shuts the service down on SIGUSR1/2.
const LOOP_PROBE_SOURCE = `
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
const { writeFileSync, renameSync } = require('node:fs');
const file = process.env.BENCH_LOOP_PROBE_FILE;
const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();
let gc = { count: 0, total: 0, max: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) { gc.count++; gc.total += entry.duration; gc.max = Math.max(gc.max, entry.duration); }
}).observe({ entryTypes: ['gc'] });
let seq = 0;
process.on('SIGWINCH', () => {
  const probe = { seq: ++seq, delayP50Ms: delay.percentile(50) / 1e6, delayP99Ms: delay.percentile(99) / 1e6, delayMaxMs: delay.max / 1e6, gcCount: gc.count, gcTotalMs: gc.total, gcMaxMs: gc.max };
  writeFileSync(file + '.tmp', JSON.stringify(probe));
  renameSync(file + '.tmp', file);
  delay.reset();
  gc = { count: 0, total: 0, max: 0 };
});
`;

/**
 * Prepares the loop probe in `dir`: returns the node flag that loads it and the env entry that names its output
 * file (pass both to startServiceProcess, the flag through BENCH_NODE_FLAGS).
 */
export function serviceLoopProbe(dir: string): { nodeFlag: string; env: Record<string, string>; file: string } {
  const script = join(dir, 'loop-probe.cjs');
  writeFileSync(script, LOOP_PROBE_SOURCE);
  const file = join(dir, 'loop-probe.json');
  return { nodeFlag: `--require=${script}`, env: { BENCH_LOOP_PROBE_FILE: file }, file };
}

/** Asks the service for its probe since the last call (and resets it); waits up to 5 s for the answer. */
export async function readServiceLoopProbe(child: ChildProcess, file: string): Promise<ServiceLoopProbe | null> {
  const previous = readProbeFile(file)?.seq ?? 0;
  child.kill('SIGWINCH');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const probe = readProbeFile(file);
    if (probe && probe.seq > previous) return probe;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

function readProbeFile(file: string): (ServiceLoopProbe & { seq: number }) | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServiceLoopProbe & { seq: number };
  } catch {
    return null;
  }
}

/** A Prometheus histogram's cumulative bucket counts (one series: default labels only), by upper bound in seconds. */
export async function readHistogram(metricsUrl: string, name: string): Promise<{ le: number; count: number }[]> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets: { le: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const le = line.match(/le="([^"]+)"/)?.[1];
    if (le === undefined) continue;
    buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/** The bucket bound (seconds) under which `p` % of the observations made between two reads fall. */
export function histogramPercentileBound(before: readonly { le: number; count: number }[], after: readonly { le: number; count: number }[], p: number): number {
  const counts = after.map((bucket, i) => ({ le: bucket.le, count: bucket.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  return counts.find((bucket) => bucket.count >= (p / 100) * total)?.le ?? Number.POSITIVE_INFINITY;
}

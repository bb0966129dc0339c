import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '@attendance/persistence';
import { startKafkaBroker, type KafkaBroker } from '../infra/kafka-broker';
import { pingRedis } from '../infra/redis';
import { localStateDir, repoRoot } from '../infra/repo-root';
import { startNodeProcess, waitForHttpReady, type ManagedProcess } from './stack-processes';

/**
 * `npm run stack`: the whole pipeline on this machine without Docker, with a demo. Starts a real Kafka
 * (Maven jars), uses the local Postgres and Redis, starts the four services and three simulated ADMS
 * devices punching, and prints how many punches have reached Postgres. Ctrl-C stops everything.
 * Override any dependency with KAFKA_BROKERS, DATABASE_URL, REDIS_URL.
 */
const root = repoRoot();
const stateDir = localStateDir('stack');
const logDir = join(stateDir, 'logs');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/attendance';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const processes: ManagedProcess[] = [];
let kafka: KafkaBroker | null = null;
let stopping = false;

function say(message: string): void {
  process.stdout.write(`[stack] ${message}\n`);
}

async function main(): Promise<void> {
  say('building services and the device simulator…');
  execFileSync(process.execPath, [join(root, 'tools/build/build-services.mjs')], { stdio: 'inherit', cwd: root });

  await pingRedis(redisUrl).catch((error: Error) => {
    throw new Error(`Redis at ${redisUrl} does not answer (${error.message}). Start Redis 7 or set REDIS_URL.`);
  });
  await ensureDatabase(databaseUrl).catch((error: Error) => {
    throw new Error(`Postgres at ${databaseUrl.replace(/:[^:@/]+@/, ':***@')} does not answer (${error.message}). Start Postgres 15 or set DATABASE_URL.`);
  });

  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    say('starting Kafka 3.9 (KRaft, loopback; the first run downloads the jars from Maven Central)…');
    kafka = await startKafkaBroker();
    brokers = kafka.brokers.join(',');
    say(`Kafka ready at ${brokers} in ${(kafka.startupMs / 1000).toFixed(1)} s (log: ${kafka.logFile})`);
  }

  const common = { KAFKA_BROKERS: brokers, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  const services: { name: string; port: number; env: Record<string, string> }[] = [
    { name: 'ingest', port: 3001, env: { PORT: '3001' } },
    { name: 'sync-coordinator', port: 3002, env: { PORT: '3002' } },
    { name: 'status', port: 3003, env: { PORT: '3003' } },
    {
      name: 'device-gateway',
      port: 8080,
      env: {
        GATEWAY_ID: 'gw-demo-1',
        TENANT_ID: 'demo-tenant',
        SITE_ID: 'demo-site',
        SITE_TIME_ZONE: 'Asia/Kolkata',
        GATEWAY_DATA_DIR: join(stateDir, 'gateway'),
        GATEWAY_CONFIG: join(root, 'deploy/demo/gateway-devices.yaml'),
      },
    },
  ];
  for (const service of services) {
    const child = startNodeProcess(service.name, join(root, `dist/services/${service.name}/main.js`), [], { ...common, ...service.env }, logDir);
    processes.push(child);
    watchForCrash(child);
  }
  for (const [index, service] of services.entries()) {
    await waitForHttpReady(`http://127.0.0.1:${service.port}/health/ready`, 60_000, processes[index]!);
    say(`${service.name} ready on :${service.port}`);
  }

  const simulator = startNodeProcess(
    'adms-simulator',
    join(root, 'dist/tools/simulators/adms-simulator.js'),
    ['--gateway', 'http://127.0.0.1:8081', '--devices', '3', '--interval-ms', '2000'],
    {},
    logDir,
  );
  processes.push(simulator);
  say('3 simulated ADMS devices are punching into the gateway on :8081');
  say(`logs: ${logDir}/<service>.log · health: http://127.0.0.1:8080/health/ready · metrics: http://127.0.0.1:3001/metrics`);
  say('press Ctrl-C to stop everything');
  await reportProgress();
}

async function reportProgress(): Promise<void> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      if (stopping) break;
      const { rows } = await pg
        .query("SELECT COUNT(*)::int AS n, MAX(first_seen_at) AS last FROM ingest.punches WHERE tenant_id = 'demo-tenant'")
        .catch(() => ({ rows: [{ n: 0, last: null }] }));
      say(`punches in Postgres (demo-tenant): ${rows[0].n}${rows[0].last ? `, last stored ${new Date(rows[0].last).toISOString()}` : ''}`);
    }
  } finally {
    await pg.end().catch(() => undefined);
  }
}

function watchForCrash(child: ManagedProcess): void {
  void child.exited.then((code) => {
    if (!stopping) {
      process.stderr.write(`[stack] ${child.name} exited unexpectedly (code ${code}); see ${child.logFile}. Stopping.\n`);
      void shutdown(1);
    }
  });
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping simulator, services and Kafka…');
  // Reverse order: devices first, then the services, then the broker they talk to.
  for (const child of [...processes].reverse()) await child.stop();
  await kafka?.stop();
  say('stopped; nothing left running');
  process.exit(exitCode);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
main().catch(async (error: Error) => {
  process.stderr.write(`[stack] ${error.message}\n`);
  await shutdown(1);
});

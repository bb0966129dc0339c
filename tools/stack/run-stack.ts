import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase } from '@attendance/persistence';
import { startKafkaBroker, type KafkaBroker } from '../infra/kafka-broker';
import { pingRedis } from '../infra/redis';
import { localStateDir, repoRoot } from '../infra/repo-root';
import { makeDemoCredentials, registerDemoDirectory, writeDemoCredentials } from './demo-directory';
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
const DEMO_TENANT = 'demo-tenant';
const DEMO_SITE = 'demo-site';
const DEMO_GATEWAY = 'gw-demo-1';
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
  const credentials = makeDemoCredentials(DEMO_TENANT);
  const cloud: StackService[] = [
    { name: 'ingest', port: 3001, env: { PORT: '3001', INGEST_API_KEYS: credentials.apiKeyEntries.ingest } },
    {
      name: 'sync-coordinator',
      port: 3002,
      // a short reconciliation interval so the demo shows runs within minutes, not hours
      env: { PORT: '3002', SYNC_ADMIN_API_KEYS: credentials.apiKeyEntries.sync, SYNC_RECONCILE_INTERVAL_SECONDS: '300' },
    },
    { name: 'status', port: 3003, env: { PORT: '3003', STATUS_API_KEYS: credentials.apiKeyEntries.status } },
  ];
  await startServices(cloud, common);

  say('registering the demo site, gateway, devices and employees in sync-coordinator…');
  const gatewaySyncToken = await registerDemoDirectory({
    baseUrl: 'http://127.0.0.1:3002',
    apiKey: credentials.apiKeys.sync,
    site: { siteId: DEMO_SITE, name: 'Demo site', timeZone: 'Asia/Kolkata' },
    gatewayId: DEMO_GATEWAY,
    devices: [
      { serial: 'SIM0001', name: 'Main entrance', timeZoneOverride: null },
      { serial: 'SIM0002', name: 'Warehouse', timeZoneOverride: null },
      { serial: 'SIM0003', name: 'Branch office (another zone)', timeZoneOverride: 'Asia/Dubai' },
    ],
    employees: 50,
  });
  const credentialsFile = join(stateDir, 'demo-credentials.env');
  writeDemoCredentials(credentialsFile, credentials, gatewaySyncToken);

  await startServices(
    [
      {
        name: 'device-gateway',
        port: 8080,
        env: {
          GATEWAY_ID: DEMO_GATEWAY,
          TENANT_ID: DEMO_TENANT,
          SITE_ID: DEMO_SITE,
          SITE_TIME_ZONE: 'Asia/Kolkata',
          GATEWAY_DATA_DIR: join(stateDir, 'gateway'),
          GATEWAY_CONFIG: join(root, 'deploy/demo/gateway-devices.yaml'),
          GATEWAY_ADMIN_TOKEN: credentials.gatewayAdminToken,
          SYNC_COORDINATOR_URL: 'http://127.0.0.1:3002',
          GATEWAY_SYNC_TOKEN: gatewaySyncToken,
          REFERENCE_PULL_INTERVAL_S: '60',
        },
      },
    ],
    common,
  );

  const simulator = startNodeProcess(
    'adms-simulator',
    join(root, 'dist/tools/simulators/adms-simulator.js'),
    ['--gateway', 'http://127.0.0.1:8081', '--devices', '3', '--interval-ms', '2000', '--device-zones', 'SIM0003=Asia/Dubai'],
    {},
    logDir,
  );
  processes.push(simulator);
  say('3 simulated ADMS devices are punching into the gateway on :8081');
  say('gateway dashboard: http://127.0.0.1:8080 (sign in with GATEWAY_ADMIN_TOKEN)');
  say(`demo credentials (new at every start): ${credentialsFile}`);
  say(`logs: ${logDir}/<service>.log · API docs: http://127.0.0.1:{3001,3002,3003,8080}/api/docs`);
  say('press Ctrl-C to stop everything');
  await reportProgress(credentials.apiKeys.status);
}

interface StackService {
  name: string;
  port: number;
  env: Record<string, string>;
}

async function startServices(services: StackService[], common: Record<string, string>): Promise<void> {
  const started: ManagedProcess[] = [];
  for (const service of services) {
    const child = startNodeProcess(service.name, join(root, `dist/services/${service.name}/main.js`), [], { ...common, ...service.env }, logDir);
    processes.push(child);
    started.push(child);
    watchForCrash(child);
  }
  for (const [index, service] of services.entries()) {
    await waitForHttpReady(`http://127.0.0.1:${service.port}/health/ready`, 60_000, started[index]!);
    say(`${service.name} ready on :${service.port}`);
  }
}

async function reportProgress(statusApiKey: string): Promise<void> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    while (!stopping) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      if (stopping) break;
      const { rows } = await pg
        .query('SELECT COUNT(*)::int AS n, MAX(first_seen_at) AS last FROM ingest.punches WHERE tenant_id = $1', [DEMO_TENANT])
        .catch(() => ({ rows: [{ n: 0, last: null }] }));
      const health = await fleetStates(statusApiKey);
      say(`punches in Postgres (${DEMO_TENANT}): ${rows[0].n}${rows[0].last ? `, last stored ${new Date(rows[0].last).toISOString()}` : ''}${health ? ` · device health: ${health}` : ''}`);
    }
  } finally {
    await pg.end().catch(() => undefined);
  }
}

/** "online 3" style summary from the status API, or null while it has nothing yet. */
async function fleetStates(apiKey: string): Promise<string | null> {
  try {
    const response = await fetch('http://127.0.0.1:3003/api/v1/fleet/summary', { headers: { 'x-api-key': apiKey } });
    if (!response.ok) return null;
    const summary = (await response.json()) as { devices?: { byState?: Record<string, number> } };
    const byState = summary.devices?.byState;
    if (!byState) return null;
    const parts = Object.entries(byState).filter(([, n]) => n > 0).map(([state, n]) => `${state} ${n}`);
    return parts.length > 0 ? parts.join(', ') : null;
  } catch {
    return null;
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

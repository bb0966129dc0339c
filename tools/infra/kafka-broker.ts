import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BrokerLayout, javaBinary, spawnBrokerProcess } from './kafka-broker-process';
import { ensureKafkaClasspath } from './kafka-classpath';
import { findRunningKafkaBroker } from './kafka-pid-file';
import { ForeignKafkaClusterError, waitForKafka } from './kafka-readiness';
import { newClusterId, renderServerProperties } from './kafka-server-properties';
import { tailFile } from './log-tail';
import { isPortFree } from './ports';
import { localStateDir } from './repo-root';

export { ensureKafkaClasspath } from './kafka-classpath';
export { findRunningKafkaBroker, reapOrphanedKafkaBrokers, type KafkaBrokerRecord } from './kafka-pid-file';

export const DEFAULT_KAFKA_PORT = 9092;
export const DEFAULT_KAFKA_CONTROLLER_PORT = 9093;
const READY_TIMEOUT_MS = 90_000;
const execFileAsync = promisify(execFile);

export interface StartKafkaBrokerOptions {
  /** Client port on 127.0.0.1 (default 9092). */
  port?: number;
  /** KRaft controller port on 127.0.0.1 (default 9093). */
  controllerPort?: number;
  /** Folder for server.properties, the pid file and (by default) data and log; default `.local/kafka/dev`. */
  instanceDir?: string;
  /** Default `<instanceDir>/data`. */
  dataDir?: string;
  /** Default `<instanceDir>/broker.log`. */
  logFile?: string;
  /** Throw-away broker: wipe the data dir before start (fresh cluster id) and delete it on stop. */
  fresh?: boolean;
  /** Leave the broker running after this process exits (own process group, no parent-exit kill). */
  detached?: boolean;
  readyTimeoutMs?: number;
}

export interface KafkaBroker {
  brokers: string[];
  pid: number;
  logFile: string;
  /** Milliseconds from the call to a broker answering describeCluster (includes format and JVM start). */
  startupMs: number;
  /** Settles when the JVM exits, with how it ended ("exit code 0", "SIGTERM"); lets a foreground CLI notice a crash. */
  exited: Promise<string>;
  /** SIGTERM (controlled shutdown), SIGKILL after 15 s; resolves once the JVM has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Start-up failed; `portClash` when another process holds (or grabbed) one of the ports, worth a retry elsewhere. */
export class KafkaBrokerStartError extends Error {
  constructor(
    message: string,
    readonly portClash: boolean,
  ) {
    super(message);
    this.name = 'KafkaBrokerStartError';
  }
}

/** `.local/kafka` at the repo root: every local broker instance lives in a sub-folder. */
export function kafkaStateDir(): string {
  return localStateDir('kafka');
}

export function kafkaInstanceDir(name = 'dev'): string {
  return join(kafkaStateDir(), name);
}

/**
 * Starts a real single-node KRaft Kafka broker (Maven Central jars, see kafka-local.md) as a child JVM and
 * resolves once it answers. Unless `detached`, the JVM is killed when this process exits or gets
 * SIGINT/SIGTERM/SIGHUP. On failure the error carries the tail of the broker log.
 */
export async function startKafkaBroker(options: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const startedAt = Date.now();
  const classpath = await ensureKafkaClasspath();
  const layout = resolveBrokerLayout(options);
  const detached = options.detached ?? false;
  await assertStartable(layout);
  const clusterId = await prepareStorage(layout, classpath, options.fresh ?? false);
  const jvm = await spawnBrokerProcess(layout, classpath, { detached, fresh: options.fresh ?? false });
  try {
    await waitForKafka(jvm.brokers, {
      clusterId,
      timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS,
      abortReason: () => {
        const exit = jvm.exitReason();
        return exit === undefined ? undefined : `Kafka broker exited during start-up (${exit})`;
      },
    });
  } catch (error) {
    await jvm.stop();
    throw await startupFailure(error as Error, layout.logFile);
  }
  if (detached) jvm.detach();
  const { brokers, pid, exited, stop } = jvm;
  return { brokers, pid, logFile: layout.logFile, startupMs: Date.now() - startedAt, exited, stop };
}

async function startupFailure(error: Error, logFile: string): Promise<KafkaBrokerStartError> {
  const tail = await tailFile(logFile);
  // The port check in assertStartable is only a snapshot: a concurrent run can bind the port in between.
  const portClash = error instanceof ForeignKafkaClusterError || tail.includes('Address already in use');
  return new KafkaBrokerStartError(`${error.message}\n--- last lines of ${logFile} ---\n${tail}`, portClash);
}

function resolveBrokerLayout(options: StartKafkaBrokerOptions): BrokerLayout {
  const instanceDir = options.instanceDir ?? kafkaInstanceDir();
  return {
    port: options.port ?? DEFAULT_KAFKA_PORT,
    controllerPort: options.controllerPort ?? DEFAULT_KAFKA_CONTROLLER_PORT,
    instanceDir,
    dataDir: options.dataDir ?? join(instanceDir, 'data'),
    logFile: options.logFile ?? join(instanceDir, 'broker.log'),
    propertiesFile: join(instanceDir, 'server.properties'),
  };
}

async function assertStartable(layout: BrokerLayout): Promise<void> {
  const running = await findRunningKafkaBroker(layout.instanceDir);
  if (running) {
    throw new Error(
      `a Kafka broker for ${layout.instanceDir} is already running (pid ${running.pid}, ${running.brokers.join(',')}); ` +
        'stop it first: npm run infra:kafka -- stop',
    );
  }
  for (const port of [layout.port, layout.controllerPort]) {
    if (!(await isPortFree(port))) {
      throw new KafkaBrokerStartError(`port ${port} on 127.0.0.1 is already in use (another Kafka?); choose other ports`, true);
    }
  }
}

/**
 * Writes server.properties and formats the storage (mandatory in KRaft; a no-op if already formatted).
 * Returns the cluster id, which readiness uses to tell our broker from another one on the same port.
 */
async function prepareStorage(layout: BrokerLayout, classpath: string, fresh: boolean): Promise<string> {
  if (fresh) await rm(layout.dataDir, { recursive: true, force: true });
  await mkdir(layout.dataDir, { recursive: true });
  await writeFile(layout.propertiesFile, renderServerProperties(layout));
  // TRICKY: `--ignore-formatted` only tolerates an existing format with the *same* cluster id (3.9 fails
  // with "Invalid cluster.id ... Expected X, but read Y"), so a kept data dir must be re-formatted with its id.
  const clusterId = (await existingClusterId(layout.dataDir)) ?? newClusterId();
  const args = ['-Xmx256m', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', '-cp', classpath, 'kafka.tools.StorageTool'];
  args.push('format', '-t', clusterId, '-c', layout.propertiesFile, '--ignore-formatted');
  try {
    await execFileAsync(javaBinary(), args, { timeout: 60_000 });
  } catch (error) {
    // execFile's message already holds the command line and its stderr.
    throw new Error(`formatting Kafka storage in ${layout.dataDir} failed: ${javaHint(error)}${(error as Error).message}`);
  }
  return clusterId;
}

async function existingClusterId(dataDir: string): Promise<string | undefined> {
  const meta = await readFile(join(dataDir, 'meta.properties'), 'utf8').catch(() => '');
  return /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim();
}

function javaHint(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'ENOENT'
    ? 'java not found (install a JDK/JRE 17+, e.g. apt install openjdk-17-jre-headless, or set JAVA_HOME); '
    : '';
}

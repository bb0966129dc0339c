import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { killWithParent, withParentDeathSignal } from './child-reaper';
import { removeBrokerRecord, writeBrokerRecord } from './kafka-pid-file';

const STOP_GRACE_MS = 15_000;

export interface BrokerLayout {
  port: number;
  controllerPort: number;
  instanceDir: string;
  dataDir: string;
  logFile: string;
  propertiesFile: string;
}

/** The Kafka JVM as a child process: its pid file, exit tracking and stop. */
export interface BrokerProcess {
  pid: number;
  brokers: string[];
  /** Settles with how the JVM ended ("exit code 0", "SIGTERM"). */
  exited: Promise<string>;
  /** How the JVM ended, or undefined while it runs. */
  exitReason(): string | undefined;
  /** Stops tying the JVM to this process so it keeps running after we exit (`--detach`). */
  detach(): void;
  /** SIGTERM (controlled shutdown), SIGKILL after 15 s; removes the pid file (and the data of a fresh broker). */
  stop(): Promise<void>;
}

const JVM_ARGS = [
  // The scripts default to 1 GB; 512 MB is plenty for tests and leaves room on 2-core CI boxes.
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-Djava.awt.headless=true',
  // slf4j-simple writes to stderr, i.e. into the log file only; INFO keeps start-up failures diagnosable.
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
];

/**
 * Spawns `java kafka.Kafka server.properties` with its output appended to the log file. Unless detached,
 * the JVM dies with this process: signal/exit handlers plus, on Linux, the kernel's parent-death signal.
 */
export async function spawnBrokerProcess(
  layout: BrokerLayout,
  classpath: string,
  options: { detached: boolean; fresh: boolean },
): Promise<BrokerProcess> {
  const child = spawnJvm(layout, classpath, options.detached);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${javaBinary()} for Kafka (install Java 17+ or set JAVA_HOME)`);
  const release = killWithParent(pid);
  let exit: string | undefined;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signalName) => resolve((exit = signalName ?? `exit code ${code}`))),
  );
  const brokers = [`127.0.0.1:${layout.port}`];
  const ownerPid = options.detached ? null : process.pid;
  await writeBrokerRecord({ ...layout, pid, brokers, ownerPid, startedAt: new Date().toISOString() });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (exit === undefined) await terminateChild(child);
      release();
      await removeBrokerRecord(layout.instanceDir);
      if (options.fresh) await rm(layout.dataDir, { recursive: true, force: true });
    })());
  const detach = (): void => {
    release();
    child.unref();
  };
  return { pid, brokers, exited, exitReason: () => exit, detach, stop };
}

function spawnJvm(layout: BrokerLayout, classpath: string, detached: boolean): ChildProcess {
  const log = openSync(layout.logFile, 'a');
  writeSync(log, `\n=== ${new Date().toISOString()} starting Kafka broker on 127.0.0.1:${layout.port} ===\n`);
  try {
    const java: [string, string[]] = [javaBinary(), [...JVM_ARGS, '-cp', classpath, 'kafka.Kafka', layout.propertiesFile]];
    const [command, args] = detached ? java : withParentDeathSignal(...java);
    // `detached` puts the JVM in its own process group, so a Ctrl-C in this terminal does not reach it.
    const child = spawn(command, args, { cwd: layout.instanceDir, detached, stdio: ['ignore', log, log] });
    // A failed spawn (no java) leaves pid undefined, which the caller reports; without a listener the
    // later 'error' event would crash the process instead.
    child.once('error', () => undefined);
    return child;
  } finally {
    closeSync(log); // the child holds its own copy of the descriptor
  }
}

async function terminateChild(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_GRACE_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

export function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, processCommandLine, terminatePid } from './process-control';

/** What a running broker leaves in `<instanceDir>/broker.pid` (JSON) so other processes can find it. */
export interface KafkaBrokerRecord {
  pid: number;
  brokers: string[];
  instanceDir: string;
  dataDir: string;
  logFile: string;
  /** Node process the broker must not outlive; null for brokers deliberately left running (`--detach`). */
  ownerPid: number | null;
  startedAt: string;
}

const PID_FILE = 'broker.pid';
/** Test brokers live in `<kafka state dir>/test-<owner pid>`, so a dead owner marks the folder as garbage. */
export const TEST_INSTANCE_PREFIX = 'test-';

export function pidFilePath(instanceDir: string): string {
  return join(instanceDir, PID_FILE);
}

export async function writeBrokerRecord(record: KafkaBrokerRecord): Promise<void> {
  await writeFile(pidFilePath(record.instanceDir), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeBrokerRecord(instanceDir: string): Promise<void> {
  await rm(pidFilePath(instanceDir), { force: true });
}

/** The broker recorded for this instance if its process is still running; a stale pid file is removed. */
export async function findRunningKafkaBroker(instanceDir: string): Promise<KafkaBrokerRecord | undefined> {
  const record = await readBrokerRecord(instanceDir);
  if (!record) return undefined;
  if (isOurBroker(record)) return record;
  await removeBrokerRecord(instanceDir);
  return undefined;
}

/**
 * Cleans up after owners that died without stopping their broker (SIGKILL, crash): stops brokers whose
 * owner is gone and deletes test instance folders whose owner is gone. Brokers started with `--detach`
 * (ownerPid null) are left alone.
 */
export async function reapOrphanedKafkaBrokers(kafkaStateDir: string): Promise<void> {
  const entries = await readdir(kafkaStateDir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const instanceDir = join(kafkaStateDir, entry.name);
    const record = await findRunningKafkaBroker(instanceDir);
    if (record && record.ownerPid !== null && !isProcessAlive(record.ownerPid)) {
      await terminatePid(record.pid, 15_000);
      await removeBrokerRecord(instanceDir);
    }
    const testOwner = testInstanceOwner(entry.name);
    if (testOwner !== undefined && testOwner !== process.pid && !isProcessAlive(testOwner)) {
      await rm(instanceDir, { recursive: true, force: true });
    }
  }
}

function testInstanceOwner(name: string): number | undefined {
  if (!name.startsWith(TEST_INSTANCE_PREFIX)) return undefined;
  const pid = Number(name.slice(TEST_INSTANCE_PREFIX.length));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function readBrokerRecord(instanceDir: string): Promise<KafkaBrokerRecord | undefined> {
  try {
    return JSON.parse(await readFile(pidFilePath(instanceDir), 'utf8')) as KafkaBrokerRecord;
  } catch {
    return undefined;
  }
}

/** Alive and, where /proc can tell, still a Kafka JVM for this instance (pids get reused). */
function isOurBroker(record: KafkaBrokerRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  const commandLine = processCommandLine(record.pid);
  return commandLine === undefined || (commandLine.includes('kafka.Kafka') && commandLine.includes(record.instanceDir));
}

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

export interface EnsureKafkaClasspathOptions {
  /** Progress lines (the one-off download); defaults to stderr. */
  onProgress?: (message: string) => void;
}

function brokerProjectDir(): string {
  return join(repoRoot(), 'tools', 'infra', 'kafka-broker');
}

/**
 * Makes sure the Kafka broker jars are in tools/infra/kafka-broker/target/kafka-libs and returns the JVM
 * classpath (`<dir>/*`). Maven runs only when the jars are missing or pom.xml changed since they were
 * copied (a marker file holds the pom's hash), so every run after the first costs nothing.
 */
export async function ensureKafkaClasspath(options: EnsureKafkaClasspathOptions = {}): Promise<string> {
  const onProgress = options.onProgress ?? ((message: string) => process.stderr.write(`${message}\n`));
  const projectDir = brokerProjectDir();
  const pom = join(projectDir, 'pom.xml');
  const libsDir = join(projectDir, 'target', 'kafka-libs');
  const marker = join(projectDir, 'target', 'kafka-libs.complete');
  const pomHash = createHash('sha256').update(await readFile(pom)).digest('hex');
  const copiedFor = await readFile(marker, 'utf8').catch(() => '');
  if (copiedFor.trim() !== pomHash) {
    onProgress('downloading Kafka broker jars from Maven Central (first run only)…');
    const started = Date.now();
    // A version bump would otherwise leave two Kafka versions side by side on the classpath.
    await rm(libsDir, { recursive: true, force: true });
    await runMaven(['-B', '-q', '-f', pom, 'package']);
    await writeFile(marker, `${pomHash}\n`);
    onProgress(`Kafka broker jars ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${libsDir})`);
  }
  return join(libsDir, '*');
}

function runMaven(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { cwd: repoRoot(), stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error('`mvn` not found: install Maven 3 (apt install maven) to fetch the local Kafka broker, or set KAFKA_BROKERS')
          : error,
      );
    });
    child.once('exit', (code, signalName) => {
      if (code === 0) resolve();
      else reject(new Error(`mvn ${args.join(' ')} failed (${signalName ?? `exit ${code}`}); is Maven Central reachable?`));
    });
  });
}

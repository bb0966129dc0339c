import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { delimiter, join } from 'node:path';
import { signal } from './process-control';

// Child processes (Kafka JVMs) that must not outlive this Node process.
const tracked = new Set<number>();
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

/**
 * Ties a child process's life to this process: on SIGINT/SIGTERM/SIGHUP or on exit, the child gets SIGTERM
 * (Kafka then runs its own controlled shutdown). Returns a function that releases the child again (after a
 * clean stop, or when a broker is deliberately left running in the background).
 *
 * NOTE: a SIGKILL of this process cannot be intercepted here; `withParentDeathSignal` covers it on Linux,
 * and `reapOrphanedKafkaBrokers` cleans up elsewhere on the next start (pid files record the owner pid).
 */
export function killWithParent(pid: number): () => void {
  installHandlers();
  tracked.add(pid);
  return () => {
    tracked.delete(pid);
  };
}

function installHandlers(): void {
  if (installed) return;
  installed = true;
  // 'exit' listeners must be synchronous: sending a signal is.
  process.on('exit', () => signalAll('SIGTERM'));
  for (const name of FATAL_SIGNALS) process.on(name, onFatalSignal);
}

function onFatalSignal(name: NodeJS.Signals): void {
  signalAll('SIGTERM');
  // TRICKY: adding a listener removes Node's default "exit on signal". When ours is the only listener
  // (e.g. Jest's main process), restore that default; otherwise the other listener (e.g. the Kafka CLI,
  // which awaits a graceful stop) decides when to exit.
  if (process.listenerCount(name) === 1) process.exit(128 + (constants.signals[name] ?? 0));
}

function signalAll(name: NodeJS.Signals): void {
  for (const pid of tracked) signal(pid, name);
}

/**
 * Wraps a command so that the kernel sends it SIGTERM when this process dies, however it dies (including
 * SIGKILL, which no handler sees): `setpriv --pdeathsig TERM -- cmd` sets PR_SET_PDEATHSIG and then execs
 * cmd, so the child keeps its pid. Where util-linux's setpriv is missing (macOS), the command is returned
 * unchanged and the handlers above plus orphan reaping have to do.
 */
export function withParentDeathSignal(command: string, args: string[]): [string, string[]] {
  const setpriv = findOnPath('setpriv');
  return setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', command, ...args]] : [command, args];
}

function findOnPath(name: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** True while a process with this pid exists (signal 0 only checks; EPERM still means "exists"). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The process's command line, or undefined where /proc is unavailable (non-Linux) or the process is gone.
 * Used to make sure a pid from an old pid file still belongs to *our* broker before we signal it, since
 * pids are reused.
 */
export function processCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Polls until the pid is gone; false on timeout. For processes that are not our children (no 'exit' event). */
export async function waitForPidExit(pid: number, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs` if the process is still there. Resolves once it is gone. */
export async function terminatePid(pid: number, graceMs: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitForPidExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForPidExit(pid, 5_000);
}

/** Sends a signal; false when the process no longer exists. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

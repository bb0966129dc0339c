import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { killWithParent, withParentDeathSignal } from '../infra/child-reaper';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a Node bundle as a child that cannot outlive us (parent-death signal + exit handlers), with its
 * output in `<logDir>/<name>.log`; lines at level error/fatal are echoed to the console as they happen.
 */
export function startNodeProcess(name: string, script: string, args: string[], env: Record<string, string>, logDir: string): ManagedProcess {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const [command, argv] = withParentDeathSignal(process.execPath, [script, ...args]);
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const release = killWithParent(child.pid!);
  const echoErrors = (chunk: Buffer) => {
    log.write(chunk);
    for (const line of chunk.toString().split('\n')) {
      if (/"level":"(error|fatal)"|^\s*(Error|TypeError)/.test(line)) process.stderr.write(`[${name}] ${line}\n`);
    }
  };
  child.stdout!.on('data', echoErrors);
  child.stderr!.on('data', echoErrors);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    release();
    log.end();
    resolve(code);
  }));
  return {
    name,
    child,
    logFile,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls a readiness URL until it answers 200. */
export async function waitForHttpReady(url: string, timeoutMs: number, process: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) throw new Error(`${process.name} exited with code ${process.child.exitCode}; see ${process.logFile}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${process.name} not ready at ${url} within ${timeoutMs} ms (${last}); see ${process.logFile}`);
}

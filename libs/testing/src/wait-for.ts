import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** What is awaited, for the timeout message ("3 messages on punches.raw.v1"). */
  description: string;
  timeoutMs?: number;
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Polls `predicate` until it returns a truthy value and resolves with that value. A predicate that throws
 * counts as "not yet"; on timeout the error names `description` and the last thrown error. Use it instead
 * of fixed sleeps for anything asynchronous (consumers, outbox relays, caches).
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions): Promise<Truthy<T>> {
  const { description, timeoutMs = 10_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Truthy<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? String(lastError)})`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}${cause}`);
    }
    await sleep(intervalMs);
  }
}


export interface RelayLoopOptions {
  idlePollMs: number;
  /** Back-off after a failed step: exponential from `minBackoffMs`, full jitter, capped at `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** What one step did: `busy` runs the next step at once, `idle` waits for `notify()` or the idle poll. */
export type RelayStepResult = 'busy' | 'idle';

/**
 * The loop shared by the outbox relays: run a step, sleep when there is nothing to do, back off (exponential
 * with full jitter, so many gateways coming back after a cloud outage do not reconnect in lockstep) after a
 * step throws. `notify()` cuts an idle sleep short; it never cuts a back-off short.
 */
export class RelayLoop {
  private running = false;
  private done: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly step: () => Promise<RelayStepResult>,
    private readonly onFailure: (error: unknown, retryInMs: number) => void,
    private readonly options: RelayLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.done;
  }

  notify(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let result: RelayStepResult;
      try {
        result = await this.step();
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const delay = jitteredBackoff(this.failures, this.options.minBackoffMs ?? 250, this.options.maxBackoffMs ?? 30_000);
        this.onFailure(error, delay);
        await this.sleep(delay, false);
        continue;
      }
      if (result === 'idle') await this.sleep(this.options.idlePollMs, true);
    }
  }

  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        if (this.wake === wakeUp) this.wake = null;
        resolve();
      };
      // stop() must end a back-off too; notify() only ends an idle wait
      const wakeUp = () => {
        if (wakeable || !this.running) finish();
      };
      const timer = setTimeout(finish, ms);
      this.wake = wakeUp;
    });
  }
}

/** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], never below base / 2. */
export function jitteredBackoff(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 20));
  return Math.max(Math.round(baseMs / 2), Math.round(random() * ceiling));
}

export interface RelayLoopOptions {
  idlePollMs: number;
  /** Pause after a `linger` step (not cut short by notify(); stop() ends it). */
  lingerMs?: number;
  /** Back-off after a failed step: exponential from `minBackoffMs`, full jitter, capped at `maxBackoffMs`. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * What one step did: `busy` runs the next step at once, `linger` runs it after `lingerMs` (it sent less than a
 * full batch: let more accumulate), `idle` waits for `notify()` or the idle poll.
 */
export type RelayStepResult = 'busy' | 'linger' | 'idle';

/**
 * How long `stop()` waits, by default, for a step whose send is still in flight. With the broker unreachable
 * kafkajs keeps retrying a send (and its connect) for tens of seconds; `docker stop` allows 10 s in all.
 */
export const RELAY_STOP_GRACE_MS = 3_000;

/** What a guarded wait (`RelayLoop.guard`) rejects with once `stop()` has given up on the step. */
export class RelayStoppedError extends Error {
  constructor() {
    super('relay stopped while a send was in flight; its rows stay unsent');
    this.name = 'RelayStoppedError';
  }
}

/**
 * The loop shared by the outbox relays: run a step, sleep when there is nothing to do, back off (exponential
 * with full jitter, so many gateways coming back after a cloud outage do not reconnect in lockstep) after a
 * step throws. `notify()` cuts an idle sleep short; it never cuts a back-off short.
 *
 * Stopping is bounded: `stop(graceMs)` ends any sleep at once and waits at most `graceMs` for a step in flight.
 * After that the step is abandoned: every `guard()`ed wait in it rejects with RelayStoppedError, so the code
 * after it (marking rows published, which needs the broker's ack and an open database) never runs once
 * `stop()` returned. The send itself is not cancelled (kafkajs cannot be); its rows simply stay unsent and
 * go out again after the restart, which the cloud dedupes by eventId.
 */
export class RelayLoop {
  private running = false;
  /** Bumped by every start(), so a run abandoned by stop() never steps again after a restart. */
  private generation = 0;
  private done: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private failures = 0;
  /** Guarded waits of the step in flight; stop() rejects them when it gives up on the step. */
  private readonly guarded = new Set<() => void>();
  private abandoned = false;

  constructor(
    private readonly step: () => Promise<RelayStepResult>,
    private readonly onFailure: (error: unknown, retryInMs: number) => void,
    private readonly options: RelayLoopOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abandoned = false;
    this.done = this.run(++this.generation);
  }

  /** Resolves once the loop ended, or after `graceMs` with the step in flight abandoned (see the class note). */
  async stop(graceMs: number = RELAY_STOP_GRACE_MS): Promise<void> {
    this.running = false;
    this.wake?.();
    if (await settlesWithin(this.done, graceMs)) return;
    this.abandoned = true;
    for (const reject of [...this.guarded]) reject();
    this.guarded.clear();
  }

  notify(): void {
    this.wake?.();
  }

  /**
   * `work` as it settles, unless stop() gives up on the step first: then RelayStoppedError. Steps wrap every wait
   * that is followed by writes (marking rows published) in this.
   */
  guard<T>(work: Promise<T>): Promise<T> {
    if (this.abandoned) return Promise.reject(new RelayStoppedError());
    return new Promise<T>((resolve, reject) => {
      const abandon = () => reject(new RelayStoppedError());
      this.guarded.add(abandon);
      work.then(
        (value) => {
          this.guarded.delete(abandon);
          resolve(value);
        },
        (error: unknown) => {
          this.guarded.delete(abandon);
          reject(error);
        },
      );
    });
  }

  private async run(generation: number): Promise<void> {
    const current = () => this.running && generation === this.generation;
    while (current()) {
      let result: RelayStepResult;
      try {
        result = await this.step();
        this.failures = 0;
      } catch (error) {
        // stopping: no back-off (nobody would wake it), and an abandoned send's failure is not news
        if (!current()) return;
        this.failures++;
        const delay = jitteredBackoff(this.failures, this.options.minBackoffMs ?? 250, this.options.maxBackoffMs ?? 30_000);
        this.onFailure(error, delay);
        await this.sleep(delay, false);
        continue;
      }
      if (result === 'idle' && current()) await this.sleep(this.options.idlePollMs, true);
      else if (result === 'linger' && current() && (this.options.lingerMs ?? 0) > 0) await this.sleep(this.options.lingerMs!, false);
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

/** Whether `work` settles (either way) within `ms`; it is not cancelled when it does not. */
export async function settlesWithin(work: Promise<unknown> | null | undefined, ms: number): Promise<boolean> {
  if (!work) return true;
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    work.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms)))),
  ]);
  clearTimeout(timer);
  return settled;
}

/** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], never below base / 2. */
export function jitteredBackoff(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt - 1, 20));
  return Math.max(Math.round(baseMs / 2), Math.round(random() * ceiling));
}

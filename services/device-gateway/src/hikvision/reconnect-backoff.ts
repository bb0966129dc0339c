/**
 * Exponential reconnect delay with "equal jitter": half the exponential step is fixed and half random, so a
 * site's gateways do not reconnect to a restarted device in lock-step, and no delay collapses to ~0 (full
 * jitter can, which hammers a device that drops every connection).
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  random?: () => number;
}

export class ReconnectBackoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call grows the step up to `maxMs`. */
  next(): number {
    const step = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt++;
    return Math.round(step / 2 + (step / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}

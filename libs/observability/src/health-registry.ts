import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Short dependency name shown in the readiness report, e.g. `postgres`, `kafka-consumer`. */
  name: string;
  /** Resolves when healthy; throws (or rejects) with the reason otherwise. */
  check: () => Promise<void> | void;
  timeoutMs?: number;
}

export interface CheckResult {
  name: string;
  status: 'up' | 'down';
  durationMs: number;
  error?: string;
}

/**
 * Services register one check per dependency; `/health/ready` runs them concurrently, each raced against a
 * timeout so that a hung dependency cannot hang the probe.
 */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  async runAll(): Promise<{ ready: boolean; checks: CheckResult[] }> {
    const results = await Promise.all([...this.checks.values()].map((c) => runCheck(c)));
    return { ready: results.every((r) => r.status === 'up'), checks: results };
  }
}

async function runCheck({ name, check, timeoutMs = 2000 }: ReadinessCheck): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, status: 'up', durationMs: Date.now() - started };
  } catch (error) {
    return { name, status: 'down', durationMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

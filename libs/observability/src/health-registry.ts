import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  /** Short dependency name shown in the readiness report, e.g. `postgres`, `kafka-consumer`. */
  name: string;
  /** Resolves when healthy; throws (or rejects) with the reason otherwise. */
  check: () => Promise<void> | void;
  timeoutMs?: number;
  /**
   * A non-critical check is reported but does not make the service unready. Example: the gateway's Kafka
   * uplink; the edge must keep accepting punches while it is down.
   */
  critical?: boolean;
}

export interface CheckResult {
  name: string;
  status: 'up' | 'down';
  critical: boolean;
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
    return { ready: results.every((r) => r.status === 'up' || !r.critical), checks: results };
  }
}

async function runCheck({ name, check, timeoutMs = 2000, critical = true }: ReadinessCheck): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(check),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name, status: 'up', critical, durationMs: Date.now() - started };
  } catch (error) {
    return { name, status: 'down', critical, durationMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Error taxonomy for Kafka processing (style-anchors §5.7):
 * - retriable: a dependency is down (Postgres, Redis, the broker); pause, back off, retry the same batch;
 * - terminal: this message can never succeed (bad JSON, fails its contract, violates a rule); send to DLQ.
 */
export class DependencyUnavailableError extends Error {
  constructor(readonly dependency: string, cause?: unknown) {
    super(`${dependency} is unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, { cause });
    this.name = 'DependencyUnavailableError';
  }
}

/** A value fails its topic contract; thrown by the producer before anything is sent. */
export class ContractViolationError extends Error {
  constructor(readonly topic: string, readonly issues: string[]) {
    super(`Value does not satisfy the contract of ${topic}: ${issues.join('; ')}`);
    this.name = 'ContractViolationError';
  }
}

/** A consumed message cannot be decoded (not JSON, or fails its contract). */
export class PoisonMessageError extends Error {
  constructor(readonly reason: 'invalid-json' | 'contract-violation' | 'missing-value', detail: string) {
    super(`${reason}: ${detail}`);
    this.name = 'PoisonMessageError';
  }
}

const RETRIABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Default classifier: our own marker class, network errors that mean "the other side is down", and any error of
 * the Kafka client itself: a handler that fails to publish (its accepted events, say) after its retries is
 * facing a broker problem, and its messages must not be dead-lettered for it.
 */
export function isRetriableError(error: unknown): boolean {
  if (error instanceof DependencyUnavailableError) return true;
  if (error instanceof Error && error.name.startsWith('KafkaJS')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRIABLE_NODE_CODES.has(code);
}

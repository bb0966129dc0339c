import { DependencyUnavailableError } from '@attendance/kafka';

const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATE classes that blame the data: 22 data exception (a bad timestamp, a string too long), 23 integrity
 * constraint violation. Only these make a message poison.
 */
const MESSAGE_FAULT_SQLSTATE = /^(22|23)/;

/**
 * Sorts a Postgres failure into "the message is bad" (returned unchanged, so the batch consumer dead-letters
 * it) or "Postgres, or our deployment of it, is not usable right now" (DependencyUnavailableError, so the
 * consumer pauses and retries and nothing is dead-lettered).
 *
 * TRICKY: anything with a SQLSTATE outside classes 22/23 is treated as a dependency problem, including
 * 42703 undefined_column or 42501 insufficient_privilege. A schema that does not match the code is a
 * deployment error: dead-lettering every good message until someone notices would turn it into data loss.
 */
export function classifyPostgresError(error: unknown): unknown {
  const candidates = [error, (error as { driverError?: unknown })?.driverError, (error as { cause?: unknown })?.cause];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && NODE_NETWORK_CODES.has(code)) return new DependencyUnavailableError('postgres', candidate);
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return MESSAGE_FAULT_SQLSTATE.test(code) ? error : new DependencyUnavailableError(`postgres (SQLSTATE ${code})`, candidate);
    }
    const message = candidate instanceof Error ? candidate.message : '';
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) {
      return new DependencyUnavailableError('postgres', candidate);
    }
  }
  return error;
}

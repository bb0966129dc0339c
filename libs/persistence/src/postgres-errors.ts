import { DependencyUnavailableError } from '@attendance/kafka';

const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// 08xxx connection exceptions; 57P01-57P03 shutdown / cannot connect now; 53300 too many connections;
// 40001/40P01 serialization failure / deadlock (retrying the same batch is the right answer there too).
const RETRIABLE_SQLSTATE = /^(08|57P0[1-3]|53300|40001|40P01)/;

/**
 * Postgres being down (or restarting) is not the message's fault: map it to DependencyUnavailableError so the
 * batch consumer pauses and retries instead of dead-lettering. Everything else is returned unchanged.
 */
export function classifyPostgresError(error: unknown): unknown {
  const candidates = [error, (error as { driverError?: unknown })?.driverError, (error as { cause?: unknown })?.cause];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && (NODE_NETWORK_CODES.has(code) || RETRIABLE_SQLSTATE.test(code))) {
      return new DependencyUnavailableError('postgres', candidate);
    }
    const message = candidate instanceof Error ? candidate.message : '';
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)) {
      return new DependencyUnavailableError('postgres', candidate);
    }
  }
  return error;
}

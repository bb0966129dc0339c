import { randomBytes } from 'node:crypto';

/**
 * A short lowercase [a-z0-9] suffix that is unique across tests, workers and runs: safe in topic names,
 * consumer group ids, Redis keys and Postgres identifiers. Tests share one broker and one server, so every
 * name a test creates should carry one.
 */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

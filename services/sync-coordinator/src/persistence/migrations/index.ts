import type { MigrationInterface } from 'typeorm';
import { CreateDirectory1764547200000 } from './1764547200000-create-directory';
import { CreateReconciliation1764633600000 } from './1764633600000-create-reconciliation';
import { CreateMobileSync1764720000000 } from './1764720000000-create-mobile-sync';
import { ContactBacklog1764806400000 } from './1764806400000-contact-backlog';

/**
 * Every migration of the `sync` schema. To add one: create `<timestamp>-<name>.ts` in this folder and append
 * its class here (one line). TypeORM applies them in timestamp order; never edit one that has been merged.
 */
export const SYNC_MIGRATIONS: ReadonlyArray<new () => MigrationInterface> = [
  CreateDirectory1764547200000,
  CreateReconciliation1764633600000,
  CreateMobileSync1764720000000,
  ContactBacklog1764806400000,
];

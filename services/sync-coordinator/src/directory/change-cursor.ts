import type { SqlExecutor } from '../persistence/sql-executor';

/**
 * The change cursor of a tenant's reference data (sites, devices, employees), which gateways pull by.
 *
 * TRICKY: why a counter row locked in the writing transaction, and not a sequence. With a sequence, writer A
 * can draw 5 and writer B 6, B commits first, a pull reads 6 and moves its cursor past 5, then A commits 5:
 * skipped forever. Here every writing transaction first locks the tenant's counter row (`lockChangeCounter`)
 * and holds it until it commits, so a tenant's writers draw numbers one transaction at a time, in commit
 * order. Postgres marks a transaction committed in the proc array before it releases its locks, so when B
 * can draw 6, A's 5 is already visible to every new snapshot; a pull (one statement, one snapshot) that sees
 * 6 therefore sees 5 too. A rolled-back transaction rolls its numbers back with it, so there are no gaps
 * either. The price: a tenant's directory writes are serialised, which admin writes and imports can afford.
 */
export async function lockChangeCounter(tx: SqlExecutor, tenantId: string): Promise<void> {
  // Tenants exist from their first write on (their admin keys are configured, not created over the API).
  await tx.query('INSERT INTO sync.tenants (id, name) VALUES ($1, $1) ON CONFLICT (id) DO NOTHING', [tenantId]);
  await tx.query('INSERT INTO sync.tenant_change_counters (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING', [tenantId]);
  await tx.query('SELECT last_seq FROM sync.tenant_change_counters WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
}

/** The next cursor value of the tenant; call `lockChangeCounter` first in the same transaction. */
export async function nextChangeSeq(tx: SqlExecutor, tenantId: string): Promise<string> {
  const [row] = await tx.query<{ seq: string }>(
    'UPDATE sync.tenant_change_counters SET last_seq = last_seq + 1 WHERE tenant_id = $1 RETURNING last_seq::text AS seq',
    [tenantId],
  );
  if (!row) throw new Error(`no change counter for tenant ${tenantId}; lockChangeCounter first`);
  return row.seq;
}

/**
 * Kafka key of a tenant-scoped entity: `${tenantId}:${id}`. Tenant ids contain no `:` (see TenantIdSchema),
 * so the key splits unambiguously at its first `:`. Keys choose the partition, and so the ordering unit.
 */
export function tenantScopedKey(tenantId: string, id: string): string {
  return `${tenantId}:${id}`;
}

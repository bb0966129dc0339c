/**
 * Every Redis key of status, under one prefix. Tenant ids contain no `:` (TenantIdSchema), so a key or a
 * member `${tenant}:${serial}` splits unambiguously at its first `:` even though serials may contain one.
 *
 * Indexes are lexicographic sorted sets (score 0, member = serial) so that device pages are cursor-paged with
 * ZRANGEBYLEX; counts per (site, state) are kept in one hash per tenant so a fleet summary is one HGETALL.
 */
export class StatusKeys {
  constructor(readonly prefix: string) {}

  device(tenant: string, serial: string): string {
    return `${this.prefix}dev:${tenant}:${serial}`;
  }
  transitions(tenant: string, serial: string): string {
    return `${this.prefix}tr:${tenant}:${serial}`;
  }
  /** Devices of a tenant, optionally narrowed to a site and/or a state. */
  deviceIndex(tenant: string, filter: { site?: string | null; state?: string | null } = {}): string {
    const site = filter.site ? `:site:${filter.site}` : '';
    const state = filter.state ? `:state:${filter.state}` : '';
    return `${this.prefix}ix:${tenant}${site}${state}:all`;
  }
  /** Hash `${site}|${state}` → device count. */
  counts(tenant: string): string {
    return `${this.prefix}cnt:${tenant}`;
  }
  tenants(): string {
    return `${this.prefix}tenants`;
  }
  /** Score = last contact (ms), member = `${tenant}:${serial}`; offline devices leave it until heard again. */
  contactWatch(): string {
    return `${this.prefix}watch`;
  }
  watchMember(tenant: string, serial: string): string {
    return `${tenant}:${serial}`;
  }
  gateway(tenant: string, gatewayId: string): string {
    return `${this.prefix}gw:${tenant}:${gatewayId}`;
  }
  gatewayIndex(tenant: string): string {
    return `${this.prefix}gwix:${tenant}`;
  }
  /** The transition outbox: a stream read by the Kafka relay, each webhook, and every replica's SSE feed. */
  outbox(): string {
    return `${this.prefix}outbox`;
  }
  sweepLock(): string {
    return `${this.prefix}sweep-lock`;
  }
}

export function splitWatchMember(member: string): { tenant: string; serial: string } {
  const colon = member.indexOf(':');
  return { tenant: member.slice(0, colon), serial: member.slice(colon + 1) };
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { FleetQueries } from '../api/fleet-queries';
import { StatusRedis } from '../redis/status-redis';

const CACHE_MS = 10_000;

/**
 * `status_devices{tenant,state}`, read from the per-tenant count hashes at scrape time (cached briefly).
 * NOTE: the tenant label is bounded: the largest STATUS_METRICS_MAX_TENANTS tenants get their own series,
 * the rest are summed under `tenant="other"`, so 10,000 tenants do not become 50,000 series.
 */
@Injectable()
export class FleetGauge implements OnModuleInit {
  private cache: { at: number; rows: { tenant: string; state: string; count: number }[] } | null = null;

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly redis: StatusRedis,
    private readonly fleet: FleetQueries,
  ) {}

  onModuleInit(): void {
    const read = () => this.rows();
    new Gauge({
      name: 'status_devices',
      help: 'Devices by health state and tenant (largest tenants; the rest as tenant="other")',
      labelNames: ['tenant', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await read()) this.set({ tenant: row.tenant, state: row.state }, row.count);
      },
    });
  }

  private async rows(): Promise<{ tenant: string; state: string; count: number }[]> {
    if (this.cache && Date.now() - this.cache.at < CACHE_MS) return this.cache.rows;
    const tenants = await this.redis.client.smembers(this.redis.keys.tenants());
    const summaries = await Promise.all(tenants.map(async (tenant) => ({ tenant, byState: (await this.fleet.summary(tenant)).byState })));
    summaries.sort((a, b) => total(b.byState) - total(a.byState));
    const rows: { tenant: string; state: string; count: number }[] = [];
    const other: Record<string, number> = {};
    summaries.forEach(({ tenant, byState }, i) => {
      for (const [state, count] of Object.entries(byState)) {
        if (i < this.config.STATUS_METRICS_MAX_TENANTS) rows.push({ tenant, state, count });
        else other[state] = (other[state] ?? 0) + count;
      }
    });
    for (const [state, count] of Object.entries(other)) rows.push({ tenant: 'other', state, count });
    this.cache = { at: Date.now(), rows };
    return rows;
  }
}

function total(byState: Record<string, number>): number {
  return Object.values(byState).reduce((a, b) => a + b, 0);
}

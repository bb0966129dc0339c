import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@attendance/observability';

/**
 * Prometheus counters of reconciliation, completeness and leases. Counted when the change is made inside its
 * transaction, so a transaction that rolls back and is retried can count twice (rare; rates stay right).
 */
@Injectable()
export class EdgeSyncMetrics {
  readonly commandsSent: Counter<'type'>;
  readonly runsStarted: Counter<'trigger'>;
  readonly runsFinished: Counter<'trigger' | 'status'>;
  readonly punchesRecovered: Counter;
  readonly completenessPublished: Counter;
  readonly leaseGrants: Counter<'kind'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.commandsSent = new Counter({ name: 'sync_gateway_commands_sent_total', help: 'Commands published to gateways', labelNames: ['type'], registers });
    this.runsStarted = new Counter({ name: 'sync_reconciliation_runs_started_total', help: 'Reconciliation runs started', labelNames: ['trigger'], registers });
    this.runsFinished = new Counter({ name: 'sync_reconciliation_runs_finished_total', help: 'Reconciliation runs finished', labelNames: ['trigger', 'status'], registers });
    this.punchesRecovered = new Counter({ name: 'sync_backfill_punches_new_total', help: 'Punches backfills found that the gateway did not have', registers });
    this.completenessPublished = new Counter({ name: 'sync_completeness_published_total', help: 'Site completeness watermarks published', registers });
    this.leaseGrants = new Counter({ name: 'sync_lease_grants_total', help: 'Leases granted (new holder) or renewed', labelNames: ['kind'], registers });
  }
}

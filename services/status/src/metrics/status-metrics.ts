import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@attendance/observability';

/** Counters of status' own work. Labels are bounded: topic, state, outcome, target index; never ids. */
@Injectable()
export class StatusMetrics {
  readonly deviceUpdates: Counter<'topic'>;
  readonly transitions: Counter<'state'>;
  readonly claimConflicts: Counter;
  readonly sweepDuration: Histogram;
  readonly sweptOffline: Counter;
  readonly healthEventsPublished: Counter;
  readonly webhookDeliveries: Counter<'target' | 'outcome'>;
  readonly webhookBreakerOpen: Gauge<'target'>;
  readonly sseClients: Gauge;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.deviceUpdates = new Counter({ name: 'status_device_updates_total', help: 'Device record updates applied to Redis, by source topic', labelNames: ['topic'], registers });
    this.transitions = new Counter({ name: 'status_health_transitions_total', help: 'Device health transitions claimed, by new state', labelNames: ['state'], registers });
    this.claimConflicts = new Counter({ name: 'status_claim_conflicts_total', help: 'Transition claims lost to a concurrent write (re-evaluated)', registers });
    this.sweepDuration = new Histogram({ name: 'status_sweep_duration_seconds', help: 'Duration of one staleness sweep', buckets: [0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.sweptOffline = new Counter({ name: 'status_sweep_transitions_total', help: 'Transitions claimed by the staleness sweep', registers });
    this.healthEventsPublished = new Counter({ name: 'status_health_events_published_total', help: 'Transitions published to ops.device.health.v1', registers });
    this.webhookDeliveries = new Counter({ name: 'status_webhook_deliveries_total', help: 'Webhook attempts by target index and outcome (delivered, failed, dropped)', labelNames: ['target', 'outcome'], registers });
    this.webhookBreakerOpen = new Gauge({ name: 'status_webhook_circuit_open', help: '1 while the breaker of a webhook target is open', labelNames: ['target'], registers });
    this.sseClients = new Gauge({ name: 'status_sse_clients', help: 'Open SSE streams', registers });
  }
}

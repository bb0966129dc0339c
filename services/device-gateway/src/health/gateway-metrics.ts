import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AdmsUploadOutcome } from '../adms/adms-upload.service';
import type { EdgeStore } from '../store/edge-store';

/** Gateway metrics; labels are bounded (endpoint, method, outcome), never serials or user ids. */
export class GatewayMetrics {
  readonly deviceRequests: Counter<'endpoint' | 'method'>;
  readonly punchesStored: Counter;
  readonly linesQuarantined: Counter;
  readonly uploadFailures: Counter;
  readonly diskBudgetRefusals: Counter;
  readonly ackLatency: Histogram;
  readonly relayPublished: Counter;
  readonly relayFailures: Counter;
  readonly deviceEventsPublished: Counter;

  constructor(registry: Registry, store: EdgeStore) {
    const registers = [registry];
    this.deviceRequests = new Counter({ name: 'gateway_device_requests_total', help: 'Device HTTP requests', labelNames: ['endpoint', 'method'], registers });
    this.punchesStored = new Counter({ name: 'gateway_punches_stored_total', help: 'Punches durably stored in the outbox', registers });
    this.linesQuarantined = new Counter({ name: 'gateway_lines_quarantined_total', help: 'Device lines quarantined (kept with a reason)', registers });
    this.uploadFailures = new Counter({ name: 'gateway_upload_failures_total', help: 'Uploads refused because they could not be stored', registers });
    this.diskBudgetRefusals = new Counter({ name: 'gateway_disk_budget_refusals_total', help: 'Uploads refused because the storage budget is spent', registers });
    this.ackLatency = new Histogram({
      name: 'gateway_upload_ack_seconds',
      help: 'From request body received to durable commit (the device is answered right after)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.relayPublished = new Counter({ name: 'gateway_relay_published_total', help: 'Punches acknowledged by Kafka', registers });
    this.relayFailures = new Counter({ name: 'gateway_relay_failures_total', help: 'Relay publish attempts that failed', registers });
    this.deviceEventsPublished = new Counter({ name: 'gateway_device_events_published_total', help: 'Device events acknowledged by Kafka', registers });
    new Gauge({
      name: 'gateway_outbox_backlog',
      help: 'Punches stored but not yet acknowledged by Kafka',
      registers,
      collect() {
        this.set(store.outbox.backlog().count);
      },
    });
  }

  recordUpload(outcome: AdmsUploadOutcome, seconds: number): void {
    this.punchesStored.inc(outcome.punches);
    this.linesQuarantined.inc(outcome.quarantined);
    this.ackLatency.observe(seconds);
  }
}

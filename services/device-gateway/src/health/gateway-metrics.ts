import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AdmsUploadOutcome } from '../adms/adms-upload.service';
import type { Uplink, UplinkStateName } from '../relay/uplink';
import type { EdgeStore } from '../store/edge-store';

const UPLINK_STATES: readonly UplinkStateName[] = ['up', 'degraded', 'down'];

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
  readonly outboxPruned: Counter;
  private readonly registers: Registry[];

  constructor(registry: Registry, store: EdgeStore) {
    const registers = [registry];
    this.registers = registers;
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
    this.outboxPruned = new Counter({ name: 'gateway_outbox_pruned_total', help: 'Published outbox rows deleted by retention', registers });
    new Gauge({
      name: 'gateway_outbox_oldest_age_seconds',
      help: 'Age of the oldest punch not yet acknowledged by Kafka (0 when none)',
      registers,
      collect() {
        const oldest = store.outbox.backlog().oldestCreatedAt;
        this.set(oldest === null ? 0 : Math.max(0, (Date.now() - Date.parse(oldest)) / 1000));
      },
    });
    new Gauge({
      name: 'gateway_device_event_backlog',
      help: 'Device events stored but not yet acknowledged by Kafka',
      registers,
      collect() {
        this.set(store.deviceEvents.backlogCount());
      },
    });
    new Gauge({
      name: 'gateway_outbox_backlog',
      help: 'Punches stored but not yet acknowledged by Kafka',
      registers,
      collect() {
        this.set(store.outbox.backlog().count);
      },
    });
  }

  /** Uplink state as a one-hot gauge (`state` = up | degraded | down) and breaker failures in a row. */
  trackUplink(uplink: Uplink): void {
    const registers = this.registers;
    new Gauge({
      name: 'gateway_uplink_state',
      help: 'Kafka uplink: 1 for the current state (down = circuit breaker open)',
      labelNames: ['state'],
      registers,
      collect() {
        const current = uplink.state().state;
        for (const state of UPLINK_STATES) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gateway_uplink_consecutive_failures',
      help: 'Kafka sends failed in a row',
      registers,
      collect() {
        this.set(uplink.state().consecutiveFailures);
      },
    });
  }

  recordUpload(outcome: AdmsUploadOutcome, seconds: number): void {
    this.punchesStored.inc(outcome.punches);
    this.linesQuarantined.inc(outcome.quarantined);
    this.ackLatency.observe(seconds);
  }
}

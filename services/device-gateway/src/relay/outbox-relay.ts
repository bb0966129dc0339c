import { TOPICS, tenantScopedKey } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { GatewayMetrics } from '../health/gateway-metrics';
import type { EdgeStore } from '../store/edge-store';
import type { PendingPunch } from '../store/punch-outbox.repository';
import { RelayLoop, type RelayStepResult } from './relay-loop';
import type { Uplink, UplinkState } from './uplink';

export interface OutboxRelayOptions {
  batchSize: number;
  idlePollMs: number;
  /** After a batch that was not full, wait this long before reading the next (see RelayStepResult 'linger'). */
  lingerMs?: number;
  /** Key of every punch: `${tenantId}:${deviceSerial}` (DESIGN.md 3.3). */
  tenantId: string;
  /** Back-off after a failed publish: exponential with full jitter, capped. */
  maxBackoffMs?: number;
}

/**
 * Moves punches from the SQLite outbox to `attendance.punch.raw.v1`. A row is marked published only after the
 * broker acknowledged it (acks=all, idempotent producer, via the Uplink's circuit breaker). A crash between
 * the ack and the mark re-sends that batch after restart; the cloud dedupes by eventId, so that costs nothing.
 * While the uplink is down it backs off (jittered, exponential) and keeps the rows; they are never deleted unsent.
 *
 * Fairness without reordering: each batch is shared between the devices that have unsent punches, every
 * device contributing its OLDEST rows in id order. A device whose punch just arrived is in the next batch even
 * behind a week-long backlog of another device, while within one device (one Kafka key) rows still go out
 * strictly in arrival order. Rows of one batch are sent in id order, so one key's rows are never reordered.
 *
 * Pipelined: while a batch travels to the broker, the previous (acknowledged) batch is marked and the next
 * one is read and checked, so SQLite work overlaps the network wait. The next batch is SENT only after the
 * current one is acknowledged, so a key's rows still reach Kafka in order; after a failed send the read-ahead
 * is dropped and reading restarts from the oldest unsent row.
 *
 * Validation: every row records which contract version validated its payload in the transaction that stored
 * it (punch_outbox.payload_version). Rows of this gateway's version go out as stored bytes; rows of another
 * version (an older gateway's, stored before an upgrade) are checked against the current contract first, and
 * one it refuses is set aside (kept, visible, not retried) instead of blocking its device.
 */
export class OutboxRelay {
  private readonly loop: RelayLoop;
  /** Rotates which devices come first when more devices have backlog than a batch has room for. */
  private deviceCursor = '';
  /** Rotates which devices get one row more when the batch does not divide evenly between them. */
  private extraRotation = 0;
  /** `tenant:serial` per device, built once instead of once per row. */
  private readonly keys = new Map<string, string>();
  /** The next batch, read (and checked) while the current one was on its way. */
  private readAhead: PendingPunch[] | null = null;
  /** Per device, the highest id already handed to a batch that is not marked yet: reading resumes after it. */
  private readonly reserved = new Map<string, number>();
  /** Acknowledged by the broker, marked in SQLite while the next batch travels. */
  private acknowledged: number[] = [];

  constructor(
    private readonly store: EdgeStore,
    private readonly uplink: Uplink,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly options: OutboxRelayOptions,
  ) {
    this.loop = new RelayLoop(
      () => this.step(),
      (error, retryInMs) => {
        this.metrics.relayFailures.inc();
        this.logger.warn({ err: error, uplink: this.uplink.state().state, retryInMs }, 'uplink publish failed; punches stay buffered');
      },
      { idlePollMs: options.idlePollMs, lingerMs: options.lingerMs ?? 0, maxBackoffMs: options.maxBackoffMs ?? 30_000 },
    );
  }

  start(): void {
    this.loop.start();
  }

  /**
   * Bounded (RelayLoop.stop): a batch still in flight after `graceMs` is abandoned. It stays unsent: its ids only
   * become `acknowledged` after its ack, and nothing marks them once the loop stopped. The batch acknowledged
   * before it is marked here. The read-ahead is dropped, so a restart reads again from the oldest unsent row.
   */
  async stop(graceMs?: number): Promise<void> {
    await this.loop.stop(graceMs);
    this.markAcknowledged();
    this.readAhead = null;
    this.reserved.clear();
  }

  /** Called after new punches are committed, so live punches go out without waiting for the next poll. */
  notify(): void {
    this.loop.notify();
  }

  uplinkState(): UplinkState {
    return this.uplink.state();
  }

  private async step(): Promise<RelayStepResult> {
    const batch = this.readAhead ?? this.prepareBatch();
    this.readAhead = null;
    if (batch === null) {
      this.markAcknowledged();
      this.reserved.clear();
      return 'idle';
    }
    const sending = batch.length === 0 ? Promise.resolve() : this.uplink.publishSerialized(TOPICS.punchRaw, this.toItems(batch));
    // NOTE: while the broker works: mark the batch it acknowledged before, read and check the next one. A batch
    // that was not full means the backlog is drained: live punches follow, and reading them now would send them
    // a few at a time; the loop lingers instead and reads what accumulated meanwhile.
    const full = batch.length >= this.options.batchSize;
    sending.catch(() => undefined);
    try {
      this.markAcknowledged();
      if (full) this.readAhead = this.prepareBatch();
      await sending;
    } catch (error) {
      // never two sends at once: let this one settle before the loop backs off and retries
      await sending.catch(() => undefined);
      this.readAhead = null;
      this.reserved.clear();
      throw error;
    }
    this.acknowledged = batch.map((row) => row.id);
    this.metrics.relayPublished.inc(batch.length);
    return full ? 'busy' : 'linger';
  }

  /** Stored bytes as they are: the payload string goes to Kafka unchanged. */
  private toItems(batch: readonly PendingPunch[]): { key: string; json: string; id: string }[] {
    const items = new Array<{ key: string; json: string; id: string }>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i]!;
      items[i] = { key: this.keyOf(row.deviceSerial), json: row.payload, id: row.eventId };
    }
    return items;
  }

  private keyOf(serial: string): string {
    let key = this.keys.get(serial);
    if (key === undefined) {
      key = tenantScopedKey(this.options.tenantId, serial);
      // NOTE: bounded by the devices the gateway has ever stored punches for; cleared only as a safety net
      if (this.keys.size >= 100_000) this.keys.clear();
      this.keys.set(serial, key);
    }
    return key;
  }

  private markAcknowledged(): void {
    if (this.acknowledged.length === 0) return;
    this.store.outbox.markPublished(this.acknowledged, new Date().toISOString());
    this.acknowledged = [];
  }

  /** The next batch to send (refused rows already set aside; may be empty then), or null when nothing is unsent. */
  private prepareBatch(): PendingPunch[] | null {
    const rows = this.nextBatch();
    if (rows.length === 0) return null;
    for (const row of rows) this.reserved.set(row.deviceSerial, Math.max(row.id, this.reserved.get(row.deviceSerial) ?? 0));
    return this.setAsideRefused(rows);
  }

  /** Each device with backlog contributes its oldest rows; the batch is sorted by id (arrival order). */
  private nextBatch(): PendingPunch[] {
    const { batchSize } = this.options;
    let devices = this.store.outbox.devicesWithBacklog(this.deviceCursor, batchSize);
    if (devices.length < batchSize && this.deviceCursor !== '') {
      const wrapped = this.store.outbox.devicesWithBacklog('', batchSize - devices.length).filter((serial) => serial <= this.deviceCursor);
      devices = [...devices, ...wrapped];
    }
    if (devices.length === 0) return [];
    this.deviceCursor = devices.length < batchSize ? '' : devices[devices.length - 1]!;
    const share = Math.max(1, Math.floor(batchSize / devices.length));
    // The rest of the batch (batchSize - share × devices, fewer than one row per device) goes to `extra` devices
    // one row each, rotating, so 500 rows over 200 devices is 500 (3,3,...,2,2) rather than 400 (2 each).
    const extra = Math.max(0, batchSize - share * devices.length);
    const first = this.extraRotation % devices.length;
    this.extraRotation = (first + extra) % devices.length;
    // one query for the whole batch (already in id order), not one per device
    return this.store.outbox.nextUnpublishedOfDevices(
      devices.map((serial, i) => ({ serial, afterId: this.reserved.get(serial) ?? 0, extra: (i - first + devices.length) % devices.length < extra })),
      share,
    );
  }

  private setAsideRefused(rows: PendingPunch[]): PendingPunch[] {
    if (rows.every((row) => row.sameVersion === 1)) return rows;
    return rows.filter((row) => {
      if (row.sameVersion === 1) return true;
      const problem = refusal(row.payload);
      if (problem === null) return true;
      this.store.outbox.markRejected(row.id, problem);
      this.logger.error({ outboxId: row.id, eventId: row.eventId, problem }, 'stored punch refused by its contract; set aside for an operator');
      return false;
    });
  }
}

/** Why the current contract refuses a stored payload, or null when it accepts it. */
function refusal(payload: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (error) {
    return `stored payload is not JSON: ${(error as Error).message}`;
  }
  const parsed = TOPICS.punchRaw.schema.safeParse(value);
  if (parsed.success) return null;
  return `${TOPICS.punchRaw.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`;
}

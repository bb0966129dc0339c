import { Inject, Injectable } from '@nestjs/common';
import { STATUS_CONFIG, type StatusConfig } from '../config/status.config';
import { StatusMetrics } from '../metrics/status-metrics';
import type { DeviceRecord, HealthRecord } from './device-record';
import { DeviceStore, type ClaimRequest } from './device-store';
import { buildHealthEvent, compactTransition } from './health-event';
import { evaluateHealth, reasonCodes, thresholdsFromConfig, type HealthThresholds } from './health-rules';

/** Bounded: a device written this often between our read and our claim is re-evaluated by its next update. */
const MAX_ROUNDS = 5;

/**
 * Turns fresh records into health transitions: evaluates each record, and claims the changes against the
 * record's revision (see CLAIM_TRANSITION). A lost claim means someone wrote the device meanwhile: re-read,
 * re-evaluate, try again. So a state change is announced exactly once however many replicas, consumers
 * and sweeps look at the device.
 */
@Injectable()
export class HealthReconciler {
  private readonly thresholds: HealthThresholds;

  constructor(
    @Inject(STATUS_CONFIG) private readonly config: StatusConfig,
    private readonly store: DeviceStore,
    private readonly metrics: StatusMetrics,
  ) {
    this.thresholds = thresholdsFromConfig(config);
  }

  /** Returns how many state transitions this call claimed. */
  async reconcile(records: readonly HealthRecord[], nowMs = Date.now()): Promise<number> {
    let pending: HealthRecord[] = [...records];
    let claimed = 0;
    for (let round = 0; round < MAX_ROUNDS && pending.length > 0; round++) {
      const requests = pending.map((record) => this.changeOf(record, nowMs)).filter((r): r is ClaimRequest => r !== null);
      if (requests.length === 0) break;
      const won = await this.store.claim(requests, {
        transitionsKept: this.config.STATUS_TRANSITIONS_KEPT,
        outboxMaxLength: this.config.STATUS_OUTBOX_MAX_LENGTH,
      });
      const lost: ClaimRequest[] = [];
      requests.forEach((request, i) => {
        if (!won[i]) lost.push(request);
        else if (request.eventJson !== null) {
          claimed++;
          this.metrics.transitions.inc({ state: request.state });
        }
      });
      if (lost.length === 0) break;
      this.metrics.claimConflicts.inc(lost.length);
      pending = (await this.store.read(lost.map((l) => l.record))).filter((r): r is DeviceRecord => r !== null);
      nowMs = Date.now();
    }
    return claimed;
  }

  private changeOf(record: HealthRecord, nowMs: number): ClaimRequest | null {
    const verdict = evaluateHealth(record, this.thresholds, nowMs);
    const codes = reasonCodes(verdict);
    if (verdict.state === record.state) {
      const moved = record.indexedSite !== null && record.indexedSite !== record.siteId;
      if (codes === record.reasonCodes.join(',') && !moved) return null;
      return { record, state: verdict.state, reasonCodes: codes, changedAtMs: nowMs, eventJson: null, compactLine: '' };
    }
    const event = buildHealthEvent(record, verdict, nowMs);
    return {
      record,
      state: verdict.state,
      reasonCodes: codes,
      changedAtMs: nowMs,
      eventJson: JSON.stringify(event),
      compactLine: compactTransition(nowMs, record.state, verdict.state, codes),
    };
  }
}

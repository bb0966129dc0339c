import { Injectable } from '@nestjs/common';
import { StatusMetrics } from '../metrics/status-metrics';
import { mergeByDevice, type DeviceUpdate } from './device-update';
import { DeviceStore } from './device-store';
import { HealthReconciler } from './health-reconciler';

/** Applies device updates from one consumed batch and claims the health transitions they cause. */
@Injectable()
export class DeviceUpdater {
  constructor(
    private readonly store: DeviceStore,
    private readonly reconciler: HealthReconciler,
    private readonly metrics: StatusMetrics,
  ) {}

  async apply(topic: string, updates: readonly DeviceUpdate[]): Promise<void> {
    const merged = mergeByDevice(updates);
    if (merged.length === 0) return;
    const records = await this.store.apply(merged);
    await this.reconciler.reconcile(records);
    this.metrics.deviceUpdates.inc({ topic }, updates.length);
  }
}

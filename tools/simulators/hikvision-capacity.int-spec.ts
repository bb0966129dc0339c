import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '@attendance/observability';
import { Secret } from '../../services/device-gateway/src/config/secret';
import type { DeviceEventInput, DeviceEventRecorder } from '../../services/device-gateway/src/events/device-event-recorder';
import { EdgeStore } from '../../services/device-gateway/src/store/edge-store';
import { DeviceHealthTracker } from '../../services/device-gateway/src/pull/device-health-tracker';
import { HikvisionDeviceRunner } from '../../services/device-gateway/src/pull/hikvision-device-runner';
import { PulledBatchWriter } from '../../services/device-gateway/src/pull/pulled-batch-writer';
import { HikvisionDevice } from './hikvision-device';

/** Collects events in memory (the SQLite recorder is tested elsewhere). */
class CollectingRecorder implements DeviceEventRecorder {
  readonly events: DeviceEventInput[] = [];
  record(event: DeviceEventInput): void {
    this.events.push(event);
  }
}

// The Hikvision runner against the simulated terminal (real HTTP, Digest, real SQLite): the event-store fill
// level is read with the pull and reported as device_state and capacity events, on transitions only.
describe('Hikvision event-store capacity', () => {
  let dir: string;
  let store: EdgeStore;
  let recorder: CollectingRecorder;
  let health: DeviceHealthTracker;
  let device: HikvisionDevice;
  let url: string;
  const runners: HikvisionDeviceRunner[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hik-capacity-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
    recorder = new CollectingRecorder();
    health = new DeviceHealthTracker(store, recorder);
    device = new HikvisionDevice({ timeZone: 'UTC', password: 'cap-pass' });
    url = await device.listen(0);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await device.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runner = (capacityCheckIntervalMs?: number) => {
    const r = new HikvisionDeviceRunner({
      device: { serial: 'HIKCAP1', protocol: 'hikvision', baseUrl: url, username: 'admin', password: new Secret('cap-pass', 'test'), alertStream: false, timeZone: 'UTC' },
      identity: { tenantId: 't-1', siteId: 's-1', gatewayId: 'gw-1' },
      writer: new PulledBatchWriter(store, recorder, () => undefined),
      health,
      logger: createRootLogger({ service: 'test', version: 'test', level: 'silent' }),
      pageDelayMs: 0,
      ...(capacityCheckIntervalMs !== undefined ? { capacityCheckIntervalMs } : {}),
    });
    runners.push(r);
    return r;
  };
  const capacityEvents = () => recorder.events.filter((e) => e.type === 'capacity');
  const addEvents = (n: number) => {
    for (let i = 0; i < n; i++) device.addEvent({ major: 5, minor: 21 });
  };

  it('reports the fill level with each pull and emits an event only when the level changes (80 % warning, 95 % critical)', async () => {
    device.eventCapacity = 10;
    addEvents(5);
    const hik = runner(0);
    await hik.requestPull();
    expect(health.states.get('HIKCAP1')).toMatchObject({ recordsUsed: 5, recordsMax: 10, capacityLevel: 'ok' });
    expect(capacityEvents()).toEqual([]);
    addEvents(3);
    await hik.requestPull();
    await hik.requestPull(); // same level again: no second event
    addEvents(2);
    await hik.requestPull();
    expect(capacityEvents()).toEqual([
      expect.objectContaining({ level: 'warning', recordsUsed: 8, recordsMax: 10, usedRatio: 0.8 }),
      expect.objectContaining({ level: 'critical', recordsUsed: 10, recordsMax: 10, usedRatio: 1 }),
    ]);
  });

  it('reads it on the first pull and then not again until the interval has passed', async () => {
    addEvents(2);
    const hik = runner(); // default interval: 10 minutes
    await hik.requestPull();
    addEvents(4);
    await hik.requestPull();
    expect(health.states.get('HIKCAP1')).toMatchObject({ recordsUsed: 2, recordsMax: 100_000 });
  });

  it('keeps the count without a ratio when the device gives no maximum', async () => {
    addEvents(3);
    const original = device.eventCapacity;
    device.eventCapacity = 0; // capabilities with "@max": 0 are not a maximum
    await runner(0).requestPull();
    expect(health.states.get('HIKCAP1')).toMatchObject({ recordsUsed: 3, capacityLevel: 'ok' });
    expect(health.states.get('HIKCAP1')!.recordsMax ?? null).toBeNull();
    device.eventCapacity = original;
  });
});

import type { Logger } from '@attendance/observability';
import { DiskBudgetExceededError, type DiskBudget } from '../store/disk-budget';
import type { DevicePushRoute } from './device-push-route';
import type { HikvisionDeviceRunner } from './hikvision-device-runner';

/** Path prefix of httpHosts pushes: configure the device with `http://<gateway>:8081/hikvision/<serial>`. */
export const HIKVISION_PUSH_PREFIX = '/hikvision/';

/**
 * httpHosts receiver (device-protocols.md §3.4): `POST /hikvision/<serial>` (any suffix). The body is stored
 * raw with its punches before the device gets its 200, exactly like an ADMS upload; a store failure or a spent
 * disk budget answers 503 so the device keeps the event and sends it again.
 */
export class HikvisionPushRoute implements DevicePushRoute {
  constructor(
    private readonly runners: ReadonlyMap<string, HikvisionDeviceRunner>,
    private readonly diskBudget: DiskBudget,
    private readonly logger: Logger,
  ) {}

  handle(request: { method: string; path: string; contentType: string | null; body: Buffer }): { status: number; body: string } | null {
    const path = request.path.split('?')[0]!;
    if (!path.toLowerCase().startsWith(HIKVISION_PUSH_PREFIX)) return null;
    const serial = decodeURIComponent(path.slice(HIKVISION_PUSH_PREFIX.length).split('/')[0] ?? '');
    const runner = this.runners.get(serial);
    if (!runner) return { status: 404, body: 'unknown Hikvision device' };
    if (request.method !== 'POST') return { status: 405, body: 'POST only' };
    try {
      this.diskBudget.assertRoom();
      runner.acceptPush(request.body, request.contentType);
      return { status: 200, body: '' };
    } catch (error) {
      if (!(error instanceof DiskBudgetExceededError)) this.logger.error({ err: error, serial }, 'could not store Hikvision push; the device will re-send');
      return { status: 503, body: 'storage unavailable, retry later' };
    }
  }
}

import type { Logger } from '@attendance/observability';
import type { DeviceUserPush, DeviceUserPushOutcome, UserPushTarget } from '../commands/device-user-push';
import type { HikvisionDevice as HikvisionDeviceConfig } from '../config/gateway.config';
import type { DeviceContext } from '../punches/device-context';
import {
  AlertStreamSubscriber,
  buildPunchFromHikvisionEvent,
  deleteHikUsers,
  DigestHttpClient,
  parseHttpHostsPush,
  pullAcsEvents,
  readHikDeviceClock,
  readHikEventCapacityMax,
  readHikEventCount,
  searchAcsEventWindow,
  SerialTracker,
  type AlertStreamItem,
  type AlertStreamState,
  type HikAccessEvent,
  type HikvisionPunchSource,
  type InvalidSearchItem,
  type SerialGap,
  writeHikUser,
} from '../hikvision';
import type { DeviceHealthTracker } from './device-health-tracker';
import type { PulledDevice, WindowReadOutcome } from './pulled-device';
import type { PulledBatchWriter, PulledRecord } from './pulled-batch-writer';
import { deviceIsoTime, inWindow, type UtcWindow } from './utc-window';

export const ACS_EVENT_CURSOR = 'acs-event';
const ALERT_STREAM_CURSOR = 'alert-stream';
const HTTP_HOSTS_CURSOR = 'http-hosts';

export interface HikvisionDeviceRunnerOptions {
  device: HikvisionDeviceConfig;
  identity: { tenantId: string; siteId: string; gatewayId: string };
  writer: PulledBatchWriter;
  health: DeviceHealthTracker;
  logger: Logger;
  /** AcsEvent pull period. Default 60 s. */
  pullIntervalMs?: number;
  /** Clock skew is measured at most this often. Default 10 min. */
  clockCheckIntervalMs?: number;
  /** The event-store fill level is read on the first pull and then at most this often. Default 10 min. */
  capacityCheckIntervalMs?: number;
  pageDelayMs?: number;
  alertStream?: { idleTimeoutMs?: number; backoff?: { initialMs?: number; maxMs?: number } };
}

/**
 * A Hikvision device wired into the gateway (device-protocols.md §3):
 * - AcsEvent pull by serialNo cursor on an interval; each page is stored with its cursor and gaps in one
 *   transaction (PulledBatchWriter), so a crash re-reads at most a page and never skips one;
 * - alertStream (when configured) for live punches, reconnecting forever; every reconnect triggers a pull
 *   whose new punches count as `backfill`, since events during the outage may not be replayed;
 * - httpHosts pushes (acceptPush, called by the device HTTP listener), stored raw before the 200;
 * - a `frontSerialNo` gap on either push channel triggers a backfill of exactly that serial range.
 * Pulls run one at a time per device (a serial lock), so cursor writes never interleave.
 */
export class HikvisionDeviceRunner implements PulledDevice, UserPushTarget {
  readonly protocol = 'hikvision' as const;
  readonly serial: string;
  private readonly client: DigestHttpClient;
  private readonly context: DeviceContext;
  private readonly alertStream: AlertStreamSubscriber | null;
  private readonly pushTracker: SerialTracker;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private lock: Promise<unknown> = Promise.resolve();
  private lastClockCheck = 0;
  private lastCapacityCheck = 0;
  /** The device's event-store maximum once read (a capability; it does not change while we run). */
  private eventCapacityMax: number | null | undefined = undefined;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: HikvisionDeviceRunnerOptions) {
    const { device } = options;
    this.serial = device.serial;
    this.context = { ...options.identity, deviceSerial: device.serial, timeZone: device.timeZone };
    this.client = new DigestHttpClient({ baseUrl: device.baseUrl, username: device.username, password: device.password.reveal() });
    options.health.register(device.serial, 'hikvision');
    const pushCursor = options.writer.cursors.get(device.serial, HTTP_HOSTS_CURSOR);
    this.pushTracker = new SerialTracker(pushCursor === null ? null : Number(pushCursor));
    const streamCursor = options.writer.cursors.get(device.serial, ALERT_STREAM_CURSOR);
    this.alertStream = device.alertStream
      ? new AlertStreamSubscriber({
          client: this.client,
          onItem: (item) => this.onStreamItem(item),
          onState: (state) => this.onStreamState(state),
          lastSerialNo: streamCursor === null ? null : Number(streamCursor),
          ...(options.alertStream?.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.alertStream.idleTimeoutMs } : {}),
          ...(options.alertStream?.backoff ? { backoff: options.alertStream.backoff } : {}),
        })
      : null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.alertStream?.start();
    this.schedule(0, 'pull');
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.alertStream?.stop();
    await Promise.allSettled([...this.pending, this.lock]);
  }

  /** Pulls now (operator re-pull); new punches count as backfill. */
  requestPull(): Promise<void> {
    return this.track(this.pull('backfill'));
  }

  /**
   * An httpHosts POST from this device. Stored (raw body, punches, quarantine, gaps) before it returns, so the
   * caller answers 200 only after the commit. Throws when the store fails: the device then re-sends.
   */
  acceptPush(body: Buffer, contentType: string | null, receivedAt = new Date()): { punches: number; gaps: number } {
    const push = parseHttpHostsPush(body, contentType);
    const gaps: SerialGap[] = [];
    let highest: number | null = null;
    for (const event of push.events) {
      const seen = this.pushTracker.observe(event.serialNo, event.frontSerialNo);
      if (seen.kind === 'gap') gaps.push(seen.gap);
      if (event.serialNo !== null) highest = Math.max(highest ?? 0, event.serialNo);
    }
    const records: PulledRecord[] = [
      ...this.punchRecords(push.events, 'push', receivedAt),
      ...push.rejected.map((r) => ({ rawText: r.raw, rawBytes: Buffer.from(r.raw, 'utf8'), built: { ok: false as const, reason: r.reason, detail: r.detail } })),
    ];
    const stored = this.options.writer.write({
      deviceSerial: this.serial,
      protocol: 'hikvision',
      punchProtocol: 'hik-isapi',
      tableName: 'httpHosts',
      query: `httpHosts push format=${push.format} events=${push.events.length} heartbeats=${push.heartbeats}`,
      receivedAt,
      records,
      rawBody: body,
      gaps,
      ...(this.pushTracker.lastSeen !== null && highest !== null ? { cursor: { channel: HTTP_HOSTS_CURSOR, value: String(this.pushTracker.lastSeen) } } : {}),
    });
    this.options.health.contact(this.serial, 'hik-isapi', null, receivedAt);
    if (gaps.length > 0) this.backfillGapsSoon();
    return { punches: stored.new, gaps: gaps.length };
  }

  async readWindow(window: UtcWindow, signal?: AbortSignal): Promise<WindowReadOutcome> {
    const found = await searchAcsEventWindow(this.client, {
      startTime: deviceIsoTime(window.from, this.context.timeZone),
      endTime: deviceIsoTime(new Date(Date.parse(window.to) - 1000), this.context.timeZone),
      ...(signal ? { signal } : {}),
    });
    const receivedAt = new Date();
    const records = [...this.punchRecords(found.events, 'backfill', receivedAt), ...invalidRecords(found.invalid)].filter(
      (r) => !r.built.ok || inWindow(r.built.punch.punchedAt, window),
    );
    const stored = this.options.writer.write({
      deviceSerial: this.serial,
      protocol: 'hikvision',
      punchProtocol: 'hik-isapi',
      tableName: 'AcsEvent',
      query: `backfill window=${window.from}/${window.to} events=${found.events.length}`,
      receivedAt,
      records,
    });
    this.options.health.contact(this.serial, 'hik-isapi', null, receivedAt);
    return { found: stored.found, new: stored.new, quarantined: stored.quarantined, complete: found.complete, incompleteReasons: found.complete ? [] : ['page limit reached'] };
  }

  async countWindows(windows: readonly UtcWindow[], signal?: AbortSignal): Promise<number[]> {
    const counts: number[] = [];
    for (const window of windows) {
      const found = await searchAcsEventWindow(this.client, {
        startTime: deviceIsoTime(window.from, this.context.timeZone),
        endTime: deviceIsoTime(new Date(Date.parse(window.to) - 1000), this.context.timeZone),
        ...(signal ? { signal } : {}),
      });
      if (!found.complete) throw new Error(`count of ${window.from}/${window.to} stopped at the page limit`);
      const ids = this.punchRecords(found.events, 'backfill', new Date()).flatMap((r) => (r.built.ok && inWindow(r.built.punch.punchedAt, window) ? [r.built.punch.eventId] : []));
      counts.push(new Set(ids).size);
    }
    return counts;
  }

  private schedule(delayMs: number, source: 'pull' | 'backfill'): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.track(this.pull(source)).finally(() => this.schedule(this.options.pullIntervalMs ?? 60_000, 'pull'));
    }, delayMs);
  }

  /** One pull by cursor, then any open gaps; serialised with every other read of this device. */
  private pull(source: 'pull' | 'backfill'): Promise<void> {
    return this.exclusive(async () => {
      try {
        await this.checkClock();
        await this.checkCapacity();
        await this.pullByCursor(source);
        await this.backfillOpenGaps();
      } catch (error) {
        const { name, message } = error as Error;
        this.options.logger.warn({ serial: this.serial, err: error }, 'Hikvision pull failed; retried next interval');
        // A full disk is ours, not the device's: it stays reachable and keeps its events until we have room.
        if (name === 'DiskBudgetExceededError') this.options.health.error(this.serial, `disk-budget-spent: ${message}`);
        else this.options.health.unreachable(this.serial, name === 'DigestAuthError' ? 'auth-failed' : 'pull-failed', message);
      }
    });
  }

  private async pullByCursor(source: 'pull' | 'backfill'): Promise<void> {
    const stored = this.options.writer.cursors.get(this.serial, ACS_EVENT_CURSOR);
    const afterSerialNo = stored === null ? 0 : Number(stored);
    const pages = pullAcsEvents(this.client, { afterSerialNo, punchMinors: this.options.device.passMinors, pageDelayMs: this.options.pageDelayMs ?? 200 });
    let newPunches = 0;
    for (;;) {
      const next = await pages.next();
      const receivedAt = new Date();
      if (next.done) {
        const summary = next.value;
        this.options.health.contact(this.serial, 'hik-isapi', null, receivedAt);
        if (summary.anchor === 'missing' && summary.events === 0 && afterSerialNo > 0) {
          // The event at our cursor is gone and nothing follows it: the store was cleared or serials restarted.
          // Read from the start again; identity dedupes whatever we already have.
          this.options.logger.warn({ serial: this.serial, cursor: afterSerialNo }, 'Hikvision event store reset (cursor event missing); re-reading from the start');
          this.options.writer.cursors.set(this.serial, ACS_EVENT_CURSOR, '0', receivedAt.toISOString());
        }
        break;
      }
      const page = next.value;
      const result = this.options.writer.write({
        deviceSerial: this.serial,
        protocol: 'hikvision',
        punchProtocol: 'hik-isapi',
        tableName: 'AcsEvent',
        query: `pull after=${afterSerialNo} search=${page.searchId} position=${page.position}`,
        receivedAt,
        records: [...this.punchRecords(page.punches, source, receivedAt), ...invalidRecords(page.invalid)],
        cursor: { channel: ACS_EVENT_CURSOR, value: String(page.cursor) },
        // Serial jumps seen by the pull are holes in the device's numbering (it returned what exists); they are
        // kept for the operator, but not re-read.
        gaps: page.gaps.map((g) => ({ ...g, basis: `pull-${g.basis}` })),
      });
      newPunches += result.new;
    }
    if (newPunches > 0) this.options.logger.info({ serial: this.serial, source, newPunches }, 'Hikvision events stored');
  }

  /** Re-reads the serial ranges a push channel reported missing; a gap is closed once its range is stored. */
  private async backfillOpenGaps(): Promise<void> {
    for (const gap of this.options.writer.cursors.openGaps(this.serial)) {
      if (gap.basis.startsWith('pull-')) {
        this.options.writer.cursors.resolveGap(gap.id, new Date().toISOString());
        continue;
      }
      const pages = pullAcsEvents(this.client, { afterSerialNo: gap.from - 1, endSerialNo: gap.to, verifyAnchor: false, punchMinors: this.options.device.passMinors, pageDelayMs: 0 });
      let recovered = 0;
      for (;;) {
        const next = await pages.next();
        if (next.done) break;
        const receivedAt = new Date();
        recovered += this.options.writer.write({
          deviceSerial: this.serial,
          protocol: 'hikvision',
          punchProtocol: 'hik-isapi',
          tableName: 'AcsEvent',
          query: `gap backfill serials=${gap.from}-${gap.to} basis=${gap.basis}`,
          receivedAt,
          records: [...this.punchRecords(next.value.punches, 'backfill', receivedAt), ...invalidRecords(next.value.invalid)],
        }).new;
      }
      this.options.writer.cursors.resolveGap(gap.id, new Date().toISOString());
      this.options.logger.info({ serial: this.serial, from: gap.from, to: gap.to, recovered }, 'Hikvision serial gap backfilled');
    }
  }

  private async checkClock(): Promise<void> {
    if (Date.now() - this.lastClockCheck < (this.options.clockCheckIntervalMs ?? 600_000)) return;
    this.lastClockCheck = Date.now();
    try {
      const reading = await readHikDeviceClock(this.client);
      if (reading) this.options.health.clock(this.serial, reading.skewMs, reading.wallClock, reading.receivedAt);
    } catch (error) {
      // Some firmware restricts /ISAPI/System/time; skew is then unknown, punches are still read.
      this.options.logger.debug({ serial: this.serial, err: error }, 'device time not readable');
    }
  }

  /**
   * Reads how full the event store is and reports it as the capacity device event ZK and ADMS devices give
   * (DeviceHealthTracker: warning at 80 %, critical at 95 %), so status can warn before the device starts
   * overwriting events the gateway has not read.
   */
  private async checkCapacity(): Promise<void> {
    if (Date.now() - this.lastCapacityCheck < (this.options.capacityCheckIntervalMs ?? 600_000)) return;
    this.lastCapacityCheck = Date.now();
    try {
      // A failed capabilities request is asked again next time; a device that answers without a maximum is not.
      if (this.eventCapacityMax === undefined) this.eventCapacityMax = await readHikEventCapacityMax(this.client).catch(() => undefined);
      const used = await readHikEventCount(this.client);
      this.options.health.capacity(this.serial, used, this.eventCapacityMax ?? null, new Date());
    } catch (error) {
      // Older firmware has no AcsEventTotalNum; capacity is then unknown, punches are still read.
      this.options.logger.debug({ serial: this.serial, err: error }, 'event store count not readable');
    }
  }

  /**
   * Writes and deletes users (push-users). Runs in the device's serial lock, between pulls, so a pull's cursor
   * writes never interleave with it and the device sees one client's requests at a time.
   */
  pushUsers(push: DeviceUserPush): Promise<DeviceUserPushOutcome> {
    return this.exclusive(async () => {
      const results = [];
      for (const user of push.upserts) results.push(await writeHikUser(this.client, { employeeNo: user.userId, name: user.name }));
      results.push(...(await deleteHikUsers(this.client, push.deletes)));
      const failed = results.flatMap((r) => (r.ok ? [] : [{ userId: r.employeeNo, action: r.action, code: r.code, detail: r.detail, source: 'device' as const }]));
      this.options.logger.info({ serial: this.serial, sent: results.length, failed: failed.length }, 'Hikvision push-users done');
      return { sent: results.length, failed };
    });
  }

  private async onStreamItem(item: AlertStreamItem): Promise<void> {
    if (item.kind !== 'access-event' && item.kind !== 'undecodable') return;
    const receivedAt = new Date();
    const gaps = item.kind === 'access-event' && item.observation?.kind === 'gap' ? [item.observation.gap] : [];
    const records: PulledRecord[] =
      item.kind === 'access-event'
        ? this.punchRecords([item.event], 'realtime', receivedAt)
        : [{ rawText: item.raw, rawBytes: Buffer.from(item.raw, 'utf8'), built: { ok: false, reason: item.reason, detail: item.detail } }];
    const serialNo = item.kind === 'access-event' ? item.event.serialNo : null;
    if (records.length === 0 && gaps.length === 0) return; // a door or alarm event: not attendance
    this.options.writer.write({
      deviceSerial: this.serial,
      protocol: 'hikvision',
      punchProtocol: 'hik-isapi',
      tableName: 'alertStream',
      query: 'alertStream part',
      receivedAt,
      records,
      rawBody: Buffer.from(item.kind === 'access-event' ? JSON.stringify(item.event.raw) : item.raw, 'utf8'),
      gaps,
      ...(serialNo !== null && this.alertStream?.lastSerialNo != null ? { cursor: { channel: ALERT_STREAM_CURSOR, value: String(this.alertStream.lastSerialNo) } } : {}),
    });
    if (gaps.length > 0) this.backfillGapsSoon();
  }

  private onStreamState(state: AlertStreamState): void {
    if (state.type === 'connected') {
      this.options.health.contact(this.serial, 'hik-isapi', null);
      // Events during the outage may never be replayed on the stream: read them by cursor now.
      if (state.reconnect) void this.track(this.pull('backfill'));
    } else if (state.type === 'disconnected') {
      this.options.logger.info({ serial: this.serial, reason: state.reason, detail: state.detail, retryInMs: state.retryInMs }, 'alertStream disconnected');
      this.options.health.error(this.serial, `alert-stream-${state.reason}: ${state.detail}`);
    }
  }

  private backfillGapsSoon(): void {
    void this.track(this.exclusive(() => this.backfillOpenGaps()).catch((error: unknown) => this.options.logger.warn({ serial: this.serial, err: error }, 'gap backfill failed; retried with the next pull')));
  }

  /** Punches only: other access events (door, alarms, failed verifications) are not attendance. */
  private punchRecords(events: readonly HikAccessEvent[], source: HikvisionPunchSource, receivedAt: Date): PulledRecord[] {
    const records: PulledRecord[] = [];
    for (const event of events) {
      const built = buildPunchFromHikvisionEvent(event, this.context, { receivedAt, source }, { punchMinors: this.options.device.passMinors });
      if (!built.ok && built.reason === 'not-a-punch') continue;
      const json = JSON.stringify(event.raw);
      records.push({ rawText: json, rawBytes: Buffer.from(json, 'utf8'), built });
    }
    return records;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }
}

function invalidRecords(invalid: readonly InvalidSearchItem[]): PulledRecord[] {
  return invalid.map((item) => {
    const json = JSON.stringify(item.raw) ?? String(item.raw);
    return { rawText: json, rawBytes: Buffer.from(json, 'utf8'), built: { ok: false as const, reason: item.reason, detail: item.detail } };
  });
}

import type { Logger } from '@attendance/observability';
import type { DeviceUserPush, DeviceUserPushOutcome, UserPushTarget } from '../commands/device-user-push';
import type { ZkTcpDevice as ZkTcpDeviceConfig } from '../config/gateway.config';
import {
  buildPunchFromZkRecord,
  decodeZkAttendanceRecord,
  zkClockSkewMs,
  ZkDevicePoller,
  ZkError,
  ZkUserDirectory,
  type ZkAttendanceRecord,
  type ZkDeviceContext,
  type ZkDevicePollerOptions,
  type ZkLogBatch,
  type ZkPollerEvent,
  type ZkPunchMeta,
  type ZkRealtimePunchEvent,
  type ZkReadTrigger,
  type ZkTcpSession,
  type ZkTcpSessionOptions,
} from '../zk';
import type { DeviceHealthTracker } from './device-health-tracker';
import type { PulledDevice, WindowReadOutcome } from './pulled-device';
import type { PulledBatchWriter, PulledRecord } from './pulled-batch-writer';
import { deviceLocalTime, inWindow, type UtcWindow } from './utc-window';

export interface ZkDeviceRunnerOptions {
  device: ZkTcpDeviceConfig;
  identity: { tenantId: string; siteId: string; gatewayId: string };
  writer: PulledBatchWriter;
  health: DeviceHealthTracker;
  logger: Logger;
  /** Poller tuning (reconcile interval, backoff...) and session tuning; production uses the defaults. */
  poller?: Partial<Omit<ZkDevicePollerOptions, 'session' | 'onBatch' | 'onRealtimePunch' | 'onEvent' | 'onSessionReady'>>;
  session?: Partial<ZkTcpSessionOptions>;
}

/**
 * A ZK TCP device wired into the gateway: one ZkDevicePoller (one session; reconnect; full read after every
 * (re)connect; realtime events), whose reads are stored through PulledBatchWriter. Source of a stored punch:
 * `realtime` for live events; `pull` for the first read and scheduled reads; `backfill` for the read after a
 * reconnect, a retry and requested reads, which are what recovers punches made while we were away. The log is
 * only ever read, never cleared (P8).
 */
export class ZkDeviceRunner implements PulledDevice, UserPushTarget {
  readonly protocol = 'zk-tcp' as const;
  readonly serial: string;
  private poller: ZkDevicePoller | null = null;
  /**
   * Raw records already handled by a read of this process (stored, known or quarantined). The device returns
   * its whole log on every read; building a punch (identity, contract check) is what costs, so records seen
   * before are not built again. Same bytes, same punch: nothing is lost by skipping them. Reset on restart.
   */
  private readonly handled = new Set<string>();
  private readonly context: ZkDeviceContext;
  private readonly remoteAddress: string;

  constructor(private readonly options: ZkDeviceRunnerOptions) {
    const { device } = options;
    this.serial = device.serial;
    this.remoteAddress = `${device.host}:${device.port}`;
    this.context = { ...options.identity, deviceSerial: device.serial, timeZone: device.timeZone, verifyTable: 'push' };
    options.health.register(device.serial, 'zk-tcp');
  }

  /** A poller per start: a stopped poller cannot be restarted (lease revoked, then granted again). */
  private createPoller(): ZkDevicePoller {
    const { device } = this.options;
    return new ZkDevicePoller({
      readUsers: true,
      ...this.options.poller,
      expectedSerial: device.serial,
      session: {
        host: device.host,
        port: device.port,
        ...(device.commKey ? { commKey: Number(device.commKey.reveal()) } : {}),
        userCharset: device.charset,
        ...this.options.session,
      },
      onBatch: async (batch) => this.storeRead(batch),
      onRealtimePunch: (event, context) => this.storeRealtime(event, context.users),
      onUsersRead: (users, context) => this.retryUnresolvedUsers(users, context.cause),
      onEvent: (event) => this.onPollerEvent(event),
      onSessionReady: async (session) => {
        const reading = await session.deviceTime();
        const skew = zkClockSkewMs(reading, device.timeZone);
        if (skew !== null) this.options.health.clock(device.serial, skew, reading.localTime, reading.receivedAt);
      },
      logger: this.options.logger,
    });
  }

  get status() {
    return this.poller?.status ?? null;
  }

  get running(): boolean {
    return this.poller !== null;
  }

  start(): void {
    if (this.poller) return;
    this.poller = this.createPoller();
    this.poller.start();
  }

  async stop(): Promise<void> {
    const poller = this.poller;
    this.poller = null;
    await poller?.stop();
  }

  /** Asks the poller for a full read now (its source is `backfill`). */
  requestRead(): void {
    this.poller?.requestRead();
  }

  private session<T>(work: (session: ZkTcpSession) => Promise<T>): Promise<T> {
    if (!this.poller) return Promise.reject(new ZkError('closed', 'device is not being pulled by this gateway (no lease, or stopped)'));
    return this.poller.withSession(work);
  }

  async readWindow(window: UtcWindow): Promise<WindowReadOutcome> {
    return this.session(async (session) => {
      const table = await session.readUsers();
      const users = new ZkUserDirectory(table.users);
      if (table.complete) this.retryUnresolvedUsers(users, 'backfill');
      const read = await session.readAttendanceLog();
      const receivedAt = new Date();
      const records = this.build(nearWindow(read.records, window, this.options.device.timeZone), { receivedAt, source: 'backfill', users }).filter(
        (r) => !r.built.ok || inWindow(r.built.punch.punchedAt, window),
      );
      const stored = this.options.writer.write({
        deviceSerial: this.serial,
        protocol: 'zk-tcp',
        punchProtocol: 'zk-tcp',
        tableName: 'ATTLOG',
        query: `backfill window=${window.from}/${window.to} records=${read.records.length} complete=${read.complete}`,
        receivedAt,
        records,
      });
      return { found: stored.found, new: stored.new, quarantined: stored.quarantined, complete: read.complete, incompleteReasons: read.incompleteReasons };
    });
  }

  async countWindows(windows: readonly UtcWindow[]): Promise<number[]> {
    return this.session(async (session) => {
      const users = new ZkUserDirectory((await session.readUsers()).users);
      const read = await session.readAttendanceLog();
      if (!read.complete) throw new Error(`device log read incomplete: ${read.incompleteReasons.join('; ')}`);
      const near = read.records.filter((r) => windows.some((w) => nearWindow([r], w, this.options.device.timeZone).length > 0));
      const punches = this.build(near, { receivedAt: new Date(), source: 'backfill', users }).flatMap((r) => (r.built.ok ? [r.built.punch] : []));
      // The device's count is of records; one punch identity counts once, as the cloud counts.
      return windows.map((w) => new Set(punches.filter((p) => inWindow(p.punchedAt, w)).map((p) => p.eventId)).size);
    });
  }

  /**
   * Writes and deletes users on the device through the poller's own session (one client per device, P8): the
   * write waits for a read in progress and no read runs in the middle of it.
   */
  async pushUsers(push: DeviceUserPush): Promise<DeviceUserPushOutcome> {
    const report = await this.session((session) => session.writeUsers({ upserts: push.upserts, deletes: push.deletes }));
    await this.poller?.refreshUsers().catch((error: unknown) => {
      this.options.logger.warn({ serial: this.serial, err: error }, 'user table not re-read after push-users; uid-only records of new users resolve after the next reconnect');
    });
    const failed = report.results.flatMap((r) => (r.ok ? [] : [{ userId: r.userId, action: r.action, code: r.code, detail: r.detail, source: r.source }]));
    this.options.logger.info({ serial: this.serial, sent: report.results.length, failed: failed.length, refreshed: report.refreshed }, 'ZK push-users done');
    return { sent: report.results.length, failed };
  }

  private async storeRead(batch: ZkLogBatch): Promise<void> {
    const receivedAt = new Date();
    const { read } = batch;
    const unseen = read.records.filter((r) => !this.handled.has(r.rawHex));
    const records = this.build(unseen, { receivedAt, source: sourceOf(batch.trigger), users: batch.users });
    const stored = this.options.writer.write({
      deviceSerial: this.serial,
      protocol: 'zk-tcp',
      punchProtocol: 'zk-tcp',
      tableName: 'ATTLOG',
      query: `read trigger=${batch.trigger} connection=${batch.connection} records=${read.records.length} unseen=${unseen.length} expected=${read.expectedCount} complete=${read.complete}`,
      receivedAt,
      records,
    });
    for (const record of unseen) this.handled.add(record.rawHex);
    this.options.health.contact(this.serial, 'zk-tcp', this.remoteAddress, receivedAt);
    this.options.health.capacity(this.serial, read.freeSizes.records, read.freeSizes.recordCapacity > 0 ? read.freeSizes.recordCapacity : null, receivedAt);
    if (stored.new > 0 || stored.quarantined > 0) {
      this.options.logger.info({ serial: this.serial, trigger: batch.trigger, found: stored.found, new: stored.new, quarantined: stored.quarantined }, 'ZK log read stored');
    }
  }

  /**
   * Rebuilds this device's log records quarantined as `unresolved-user` (a uid-only record whose uid the user
   * table did not have) against a user table just read: on every connect, after a push-users and before a
   * backfill. Without this they would wait for a gateway restart, since reads skip records already handled.
   * A record that now names its user becomes a punch with the eventId any later read gives it, so it is
   * stored once; its quarantine row is kept, marked resolved. Realtime events are not retried: one only lands
   * here when it carries no user id at all (a numeric id always resolves), which no table can fix, and the
   * log record of the same punch is retried instead. The punch is `backfill` (it reaches the cloud late) with
   * the time the gateway first received it, and no device cursor (its log position is not kept).
   */
  private retryUnresolvedUsers(users: ZkUserDirectory, cause: string): void {
    const session = this.options.session ?? {};
    const decodeOptions = { eightByteLayout: session.eightByteLayout, ...session.timeWindow };
    const total = { resolved: 0, new: 0, reclassified: 0 };
    const at = new Date();
    try {
      const ids = this.options.writer.quarantinedIds({ deviceSerial: this.serial, reason: 'unresolved-user', tableName: 'ATTLOG' });
      for (let from = 0; from < ids.length; from += RETRY_PAGE) {
        const lines = this.options.writer.quarantinedLines(ids.slice(from, from + RETRY_PAGE));
        const retries = lines.flatMap((line) => {
          // Cheap skip first: these records name their user only by the u16 uid at offset 0 (8- and 40+-byte
          // layouts; 16-byte ids always resolve), so one whose uid the table lacks stays unresolved: not decoded.
          if (line.rawLine.length !== 16 && line.rawLine.length >= 2 && users.userIdOfSerial(line.rawLine.readUInt16LE(0)) === undefined) return [];
          const record = decodeZkAttendanceRecord(line.rawLine, 0, decodeOptions);
          if (!record) return [];
          const built = buildPunchFromZkRecord({ ...record, index: undefined }, this.context, { receivedAt: new Date(line.createdAt), source: 'backfill', users });
          if (!built.ok && built.reason === 'unresolved-user') return [];
          return [{ quarantineId: line.id, rawRequestId: line.rawRequestId, reason: 'unresolved-user', detail: line.detail, built }];
        });
        if (retries.length === 0) continue;
        const outcome = this.options.writer.retryQuarantined(this.serial, retries, at);
        total.resolved += outcome.resolved;
        total.new += outcome.new;
        total.reclassified += outcome.reclassified;
      }
    } catch (error) {
      // Disk budget spent, or SQLite failed: the rows stay quarantined and the next table read retries them.
      this.options.logger.warn({ serial: this.serial, cause, err: error }, 'ZK unresolved-user records not re-resolved; retried after the next user table read');
    }
    if (total.resolved > 0 || total.reclassified > 0) {
      this.options.logger.info({ serial: this.serial, cause, ...total }, 'ZK records quarantined for an unknown user re-resolved against the user table');
    }
  }

  private storeRealtime(event: ZkRealtimePunchEvent, users: ZkUserDirectory | null): void {
    if (!event.ok) {
      // The bulk read after it returns the same punch from the log; an unreadable event only costs latency.
      this.options.logger.warn({ serial: this.serial, reason: event.reason, rawHex: event.rawHex }, 'undecodable ZK realtime event; the next log read recovers it');
      return;
    }
    const built = buildPunchFromZkRecord(event.event, this.context, { receivedAt: event.receivedAt, source: 'realtime', users });
    this.options.writer.write({
      deviceSerial: this.serial,
      protocol: 'zk-tcp',
      punchProtocol: 'zk-tcp',
      tableName: 'EF_ATTLOG',
      query: 'realtime event',
      receivedAt: event.receivedAt,
      records: [{ rawText: event.event.rawHex, rawBytes: Buffer.from(event.event.rawHex, 'hex'), built }],
    });
  }

  private build(records: readonly ZkAttendanceRecord[], meta: ZkPunchMeta): PulledRecord[] {
    return records.map((record) => ({
      rawText: record.rawHex,
      rawBytes: Buffer.from(record.rawHex, 'hex'),
      built: buildPunchFromZkRecord(record, this.context, meta),
    }));
  }

  private onPollerEvent(event: ZkPollerEvent): void {
    switch (event.type) {
      case 'connected':
        this.options.health.contact(this.serial, 'zk-tcp', this.remoteAddress);
        break;
      case 'session-ended':
        if (!event.byGateway) this.options.health.unreachable(this.serial, event.code, event.message);
        break;
      case 'error':
        if (event.stage === 'connect') this.options.health.unreachable(this.serial, event.code, event.message);
        else this.options.health.error(this.serial, `${event.code}: ${event.stage}: ${event.message}`);
        break;
      default:
        break;
    }
  }
}

/**
 * Records whose device-local time lies within a day and a bit of the window (any zone offset and DST shift),
 * plus those without a readable time (they are quarantined, not silently left out): only these can be in the
 * window, and only these are worth building into punches, which is the expensive part of a full-log read.
 */
function nearWindow(records: readonly ZkAttendanceRecord[], window: UtcWindow, timeZone: string): ZkAttendanceRecord[] {
  const margin = 26 * 3_600_000;
  const low = deviceLocalTime(new Date(Date.parse(window.from) - margin), timeZone).replace(' ', 'T');
  const high = deviceLocalTime(new Date(Date.parse(window.to) + margin), timeZone).replace(' ', 'T');
  return records.filter((r) => r.localTime === null || (r.localTime >= low && r.localTime <= high));
}

/** Quarantined records rebuilt per transaction when the user table changes. */
const RETRY_PAGE = 500;

function sourceOf(trigger: ZkReadTrigger): 'pull' | 'backfill' {
  return trigger === 'connect' || trigger === 'scheduled' ? 'pull' : 'backfill';
}

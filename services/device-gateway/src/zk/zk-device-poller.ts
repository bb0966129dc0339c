import { isZkError, ZkError } from './zk-errors';
import { SILENT_ZK_LOGGER, type ZkLogger } from './zk-logger';
import { ZkTcpSession, type ZkAttendanceLogRead, type ZkRealtimePunchEvent, type ZkTcpSessionOptions } from './zk-tcp-session';
import { ZkUserDirectory } from './zk-user-directory';

export type ZkReadTrigger = 'connect' | 'reconnect' | 'scheduled' | 'retry' | 'requested';

/** One bulk read handed to the gateway. Store it durably; advance nothing unless `read.complete`. */
export interface ZkLogBatch {
  trigger: ZkReadTrigger;
  read: ZkAttendanceLogRead;
  /** The device's user table when `readUsers` is on (needed for 8/16-byte records), else null. */
  users: ZkUserDirectory | null;
  /** 1-based number of the session this read ran on. */
  connection: number;
}

export type ZkPollerEvent =
  | { type: 'connected'; connection: number; sessionId: number }
  | { type: 'session-ended'; connection: number; code: string; message: string; byGateway: boolean }
  | { type: 'read'; trigger: ZkReadTrigger; complete: boolean; records: number; expectedCount: number; incompleteReasons: string[] }
  | { type: 'read-skipped'; records: number }
  | { type: 'error'; stage: 'connect' | 'session' | 'store'; code: string; message: string }
  | { type: 'backoff'; attempt: number; delayMs: number };

export interface ZkDevicePollerOptions {
  session: ZkTcpSessionOptions;
  /** Durable store of a read. Awaited before anything else happens; a rejection means "not stored": retried. */
  onBatch: (batch: ZkLogBatch) => Promise<void>;
  /** Realtime punches (EF_ATTLOG); already acknowledged to the device. Omit to run pull-only. */
  onRealtimePunch?: (event: ZkRealtimePunchEvent, context: { users: ZkUserDirectory | null; connection: number }) => void | Promise<void>;
  /** Health telemetry: connection changes, read outcomes, errors, backoff. */
  onEvent?: (event: ZkPollerEvent) => void;
  /**
   * Runs once per session after the serial check and before the first read (clock skew, device info). A
   * rejection is logged and does not end the session: telemetry must not stop punches from being read.
   */
  onSessionReady?: (session: ZkTcpSession, connection: number) => Promise<void>;
  /** Full read every this often while connected (brief §2.9: 15-60 min). Default 30 min. */
  reconcileIntervalMs?: number;
  /** Skip a scheduled read when the device's record count equals the last complete read's (P2). Default true. */
  skipUnchangedReads?: boolean;
  /**
   * The serial the device must report (CMD_OPTIONS_RRQ ~SerialNumber) before anything is read. Pull devices
   * are addressed by IP; if another terminal takes the address, its punches must not be stored under this
   * device's serial (punch identity, DESIGN.md 3.2). A mismatch ends the session with `wrong-device`.
   */
  expectedSerial?: string;
  /** Read the user table after connecting (devices with 8/16-byte records). Default false. */
  readUsers?: boolean;
  /**
   * Runs after every complete user table read (each connect, before its first log read, and each
   * refreshUsers), so records that named an unknown user can be resolved against the new table. A rejection
   * is logged and does not end the session.
   */
  onUsersRead?: (users: ZkUserDirectory, context: { connection: number; cause: 'connect' | 'refresh' }) => void | Promise<void>;
  disableDeviceDuringRead?: boolean;
  /** Reconnect backoff: full exponential with jitter, from initialMs up to maxMs. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** First wait before re-reading after a partial read; doubles up to the reconcile interval. Default 5 s. */
  partialRetryDelayMs?: number;
  logger?: ZkLogger;
  /** Test seams. */
  openSession?: (options: ZkTcpSessionOptions) => Promise<ZkTcpSession>;
  random?: () => number;
}

export interface ZkPollerStatus {
  state: 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';
  connections: number;
  /** Record count of the last complete read, null before the first one. */
  lastCompleteCount: number | null;
  lastError: string | null;
}

type Wake = 'timer' | 'requested' | 'ended' | 'stopped';

/**
 * Keeps one session per device (the device serves one client at a time, P8) and never lets it go quiet:
 * reconnects with jittered exponential backoff, and after every (re)connect registers realtime events first
 * and then reads the whole log, so a punch made while disconnected or during the read is never missed (P7).
 * Scheduled reads reconcile realtime delivery; a partial read is retried sooner, and nothing counts as
 * complete unless the session says so (P1). Every session is closed (ENABLEDEVICE if needed, CMD_EXIT) in
 * `finally`.
 */
export class ZkDevicePoller {
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: ((why: Wake) => void) | null = null;
  private readRequested = false;
  private session: ZkTcpSession | null = null;
  /** The user table of the current session (readUsers on); replaced after a push-users changed it. */
  private users: ZkUserDirectory | null = null;
  private readonly current: ZkPollerStatus = { state: 'idle', connections: 0, lastCompleteCount: null, lastError: null };
  private readonly logger: ZkLogger;

  constructor(private readonly options: ZkDevicePollerOptions) {
    this.logger = options.logger ?? SILENT_ZK_LOGGER;
  }

  get status(): ZkPollerStatus {
    return { ...this.current };
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.loop();
  }

  /** Stops the loop and closes the session (with CMD_EXIT). Resolves when everything has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.('stopped');
    await this.session?.close();
    await this.running;
    this.current.state = 'stopped';
  }

  /**
   * Runs `work` on the open session (backfill and count commands, reconciliation). The session serialises
   * requests, so this interleaves safely with the poller's own reads. Throws `closed` when not connected: the
   * device serves one client at a time, so a second connection is never opened for it.
   */
  async withSession<T>(work: (session: ZkTcpSession) => Promise<T>): Promise<T> {
    const session = this.session;
    if (!session || !session.isOpen || this.current.state !== 'connected') {
      throw new ZkError('closed', `device not connected (${this.current.state}${this.current.lastError ? `, last error ${this.current.lastError}` : ''})`);
    }
    return work(session);
  }

  /**
   * Re-reads the user table after users were written or deleted (push-users), so records that name users by
   * uid only (8/16-byte logs, numeric realtime events) resolve the new users without waiting for a reconnect.
   * A no-op unless `readUsers` is on; a read that fails keeps the old table (those records resolve later).
   */
  async refreshUsers(): Promise<void> {
    if (!this.options.readUsers) return;
    await this.withSession(async (session) => {
      const table = await this.readUserTable(session, this.current.connections, 'refresh');
      if (table.complete) this.users = table.users;
    });
  }

  /** The table as a directory; onUsersRead hears only of complete reads. */
  private async readUserTable(session: ZkTcpSession, connection: number, cause: 'connect' | 'refresh'): Promise<{ users: ZkUserDirectory; complete: boolean }> {
    const read = await session.readUsers();
    const users = new ZkUserDirectory(read.users);
    const onUsersRead = this.options.onUsersRead;
    if (read.complete && onUsersRead) {
      await Promise.resolve()
        .then(() => onUsersRead(users, { connection, cause }))
        .catch((error: unknown) => this.logger.warn({ error: (error as Error).message }, 'ZK user table listener failed'));
    }
    return { users, complete: read.complete };
  }

  /** Asks for a full read now (operator re-pull, reconcile command); also cuts a reconnect backoff short. */
  requestRead(): void {
    this.readRequested = true;
    this.wake?.('requested');
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      this.current.state = 'connecting';
      let session: ZkTcpSession | null = null;
      try {
        session = await (this.options.openSession ?? ZkTcpSession.open)(this.options.session);
        this.session = session;
        const connection = ++this.current.connections;
        this.current.state = 'connected';
        this.emit({ type: 'connected', connection, sessionId: session.sessionId });
        if (await this.serve(session, connection)) failures = 0;
      } catch (error) {
        this.noteError(session ? 'session' : 'connect', error);
      } finally {
        if (session) {
          await session.close();
          const end = await session.ended;
          this.emit({ type: 'session-ended', connection: this.current.connections, code: end.error.code, message: end.error.message, byGateway: end.byGateway });
          this.session = null;
        }
      }
      if (this.stopped) break;
      failures++;
      const delayMs = this.jitter(Math.min(this.options.backoff?.maxMs ?? 60_000, (this.options.backoff?.initialMs ?? 1_000) * 2 ** (failures - 1)));
      this.current.state = 'backoff';
      this.emit({ type: 'backoff', attempt: failures, delayMs });
      await this.waitFor(delayMs, null);
    }
  }

  /** Runs one session until it ends or the poller stops. True when at least one read was complete and stored. */
  private async serve(session: ZkTcpSession, connection: number): Promise<boolean> {
    const expected = this.options.expectedSerial;
    if (expected !== undefined) {
      const actual = await session.serialNumber();
      if (actual !== expected) throw new ZkError('wrong-device', `device at this address reports serial ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
    if (this.options.onSessionReady) {
      await this.options.onSessionReady(session, connection).catch((error: unknown) => {
        this.logger.warn({ error: (error as Error).message }, 'ZK session telemetry failed');
      });
    }
    // NOTE: a partial table still names the users it holds; the records of the others are quarantined as
    // unresolved and re-resolved after the next complete read.
    this.users = this.options.readUsers ? (await this.readUserTable(session, connection, 'connect')).users : null;
    const onRealtime = this.options.onRealtimePunch;
    if (onRealtime) await session.onRealtimePunch((event) => onRealtime(event, { users: this.users, connection }));

    let trigger: ZkReadTrigger = connection === 1 ? 'connect' : 'reconnect';
    let healthy = false;
    let partials = 0;
    const reconcileMs = this.options.reconcileIntervalMs ?? 30 * 60_000;
    for (;;) {
      if (this.stopped || !session.isOpen) return healthy;
      const read = await session.readAttendanceLog({ disableDevice: this.options.disableDeviceDuringRead });
      const stored = await this.store({ trigger, read, users: this.users, connection });
      this.emit({ type: 'read', trigger, complete: read.complete, records: read.records.length, expectedCount: read.expectedCount, incompleteReasons: read.incompleteReasons });
      if (read.complete && stored) {
        this.current.lastCompleteCount = read.expectedCount;
        healthy = true;
        partials = 0;
      } else {
        partials++;
      }
      const settled = read.complete && stored;
      const waitMs = settled ? reconcileMs : Math.min(reconcileMs, this.jitter((this.options.partialRetryDelayMs ?? 5_000) * 2 ** (partials - 1)));
      trigger = settled ? 'scheduled' : 'retry';
      for (;;) {
        const why = await this.waitFor(waitMs, session);
        if (why === 'ended' || why === 'stopped') return healthy;
        if (why === 'requested') {
          trigger = 'requested';
          break;
        }
        if (trigger !== 'scheduled' || this.options.skipUnchangedReads === false) break;
        const sizes = await session.readFreeSizes();
        if (sizes.records !== this.current.lastCompleteCount) break;
        this.emit({ type: 'read-skipped', records: sizes.records });
      }
    }
  }

  private async store(batch: ZkLogBatch): Promise<boolean> {
    try {
      await this.options.onBatch(batch);
      return true;
    } catch (error) {
      // Not stored: the records are still on the device, so the read is simply repeated later.
      this.noteError('store', error);
      return false;
    }
  }

  private waitFor(ms: number, session: ZkTcpSession | null): Promise<Wake> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve('stopped');
      if (this.readRequested) {
        this.readRequested = false;
        return resolve('requested');
      }
      const done = (why: Wake) => {
        clearTimeout(timer);
        this.wake = null;
        if (why === 'requested') this.readRequested = false;
        resolve(why);
      };
      const timer = setTimeout(() => done('timer'), ms);
      this.wake = done;
      void session?.ended.then(() => done('ended'));
    });
  }

  private noteError(stage: 'connect' | 'session' | 'store', error: unknown): void {
    const code = isZkError(error) ? error.code : 'error';
    const message = (error as Error).message;
    this.current.lastError = `${stage}: ${message}`;
    this.logger.warn({ stage, code, error: message }, 'ZK device poller error');
    this.emit({ type: 'error', stage, code, message });
  }

  /** Between half and all of `ms`: spreads reconnects of many devices after a site-wide outage. */
  private jitter(ms: number): number {
    return Math.round(ms * (0.5 + (this.options.random ?? Math.random)() * 0.5));
  }

  private emit(event: ZkPollerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'ZK poller event listener failed');
    }
  }
}

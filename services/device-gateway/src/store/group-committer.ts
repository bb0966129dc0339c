import { performance } from 'node:perf_hooks';
import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';
import { walFileSync, type WalSync } from './wal-file-sync';

/** A group never grows past this many pieces of work, so one group's commit cannot hold the others for long. */
const DEFAULT_MAX_GROUP_SIZE = 256;
/**
 * Nor past this much time spent running its work (at ~0.5-1 ms per upload, 200 queued uploads were one
 * 100-250 ms stretch with no request read and no reply sent). The rest waits for the next group, one event-loop
 * turn later, after the I/O that arrived meanwhile.
 */
const DEFAULT_MAX_GROUP_MS = 15;

interface QueuedWork {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitterOptions {
  maxGroupSize?: number;
  maxGroupMs?: number;
  /**
   * How a committed group becomes durable. Default for an on-disk WAL database: the COMMIT runs with
   * `synchronous=NORMAL` and the WAL is fdatasync'd on libuv's thread pool (walFileSync), so the event loop
   * goes on with the next requests while the disk works; `null`: the COMMIT itself fsyncs (synchronous=FULL).
   */
  walSync?: WalSync | null;
}

/**
 * Group commit for the edge store. With `synchronous=FULL` every COMMIT costs an fsync (a few ms on a real
 * disk), so one transaction per device upload caps the gateway at the disk's commits per second. Work that is
 * submitted during one turn of the event loop (every upload whose body arrived while the previous commit was
 * blocking the thread) is queued and committed together: ONE `BEGIN IMMEDIATE ... COMMIT`, one fsync.
 *
 * Each piece of work runs in its own SAVEPOINT inside the group transaction, so it stays all-or-nothing: if it
 * throws, only its own writes are rolled back and only its promise is rejected; the others go on. Every promise
 * resolves only after the group's COMMIT has returned AND its WAL frames are on disk (the fsync runs off the
 * event loop, see walSync), which is when the work is durable (DESIGN.md 3.1): a caller may acknowledge a
 * device then, never before. Work that arrives while a group's WAL is being synced (the event loop is free
 * meanwhile) gathers into the next group, committed as soon as that sync ends.
 * If the COMMIT or the sync fails, every promise of the group is rejected (no device is told OK).
 */
export class GroupCommitter {
  private queue: QueuedWork[] = [];
  private scheduled = false;
  private readonly maxGroupSize: number;
  private readonly maxGroupMs: number;
  private readonly walSync: WalSync | null;
  /** Groups committed whose WAL sync has not started yet; the next sync covers them all. */
  private unsynced: { item: QueuedWork; value: unknown }[] = [];
  private syncing = false;
  /** The last group was cut at its size or time limit with work still queued. */
  private leftOver = false;
  private readonly statements: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Statement>;

  constructor(
    private readonly db: EdgeDatabase,
    options: GroupCommitterOptions = {},
  ) {
    this.maxGroupSize = options.maxGroupSize ?? DEFAULT_MAX_GROUP_SIZE;
    this.maxGroupMs = options.maxGroupMs ?? DEFAULT_MAX_GROUP_MS;
    this.walSync = options.walSync !== undefined ? options.walSync : defaultWalSync(db);
    this.statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT group_member'),
      release: db.prepare('RELEASE group_member'),
      rollbackTo: db.prepare('ROLLBACK TO group_member'),
    };
  }

  /**
   * Queues `work` for the next group; resolves with its result once the group is committed, rejects with its
   * error (its writes rolled back) or with the group's commit error. `work` must be synchronous.
   */
  submit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Work waiting for its group (a metric, and a way for tests to see that work was queued). */
  get queued(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // NOTE: setImmediate runs after the event loop's I/O phase, so every request read in that phase joins
    setImmediate(() => {
      this.scheduled = false;
      // While a WAL sync runs, new work gathers for one bigger group after it: its own sync could not start
      // earlier anyway, and every group costs a COMMIT plus two `PRAGMA synchronous` (which make SQLite
      // re-prepare the statements the next group uses: ~150 µs measured). The loop serves requests meanwhile.
      // TRICKY: but not work left over by a group cut at its size or time limit: waiting for a sync after every
      // 15 ms of work capped the rate (measured: paced 5,000/s fell behind by seconds on a loaded machine).
      if (this.syncing && !this.leftOver) return;
      this.commitGroup();
      this.leftOver = this.queue.length > 0;
      if (this.leftOver) this.schedule();
    });
  }

  private commitGroup(): void {
    if (this.queue.length === 0) return;
    const group: QueuedWork[] = [];
    const done: { item: QueuedWork; value: unknown }[] = [];
    // NOTE: the connection's other writers (device polls, command results, ...) keep synchronous=FULL: only
    // this COMMIT, whose promises wait for the WAL sync below, skips the fsync. All on this thread, no interleaving.
    const relaxed = this.walSync !== null;
    // TRICKY: db.pragma, not a prepared statement: SQLite applies `PRAGMA synchronous = x` when the statement is
    // prepared, and re-running a prepared one is not reliably applied again (measured: it sometimes is not).
    if (relaxed) this.db.pragma('synchronous = NORMAL');
    try {
      this.statements.begin.run();
      const started = performance.now();
      while (this.queue.length > 0 && group.length < this.maxGroupSize && (group.length === 0 || performance.now() - started < this.maxGroupMs)) {
        const item = this.queue.shift()!;
        group.push(item);
        const outcome = this.runInSavepoint(item.work);
        if (outcome.ok) done.push({ item, value: outcome.value });
        else item.reject(outcome.error);
        // NOTE: after an I/O error or a full disk SQLite may roll back the whole transaction, not just the savepoint
        if (!this.db.inTransaction) throw outcome.ok ? new Error('the group transaction was rolled back by SQLite') : outcome.error;
      }
      this.statements.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      // BEGIN itself failed (e.g. busy): the work it was for fails now rather than retrying in a tight loop
      if (group.length === 0) group.push(...this.queue.splice(0, this.maxGroupSize));
      // Nothing of this group is durable. A promise already rejected with its own error keeps that error.
      for (const item of group) item.reject(error);
      return;
    } finally {
      if (relaxed) this.db.pragma('synchronous = FULL');
    }
    if (!relaxed) {
      for (const { item, value } of done) item.resolve(value);
      return;
    }
    this.unsynced.push(...done);
    this.syncCommitted();
  }

  /**
   * Resolves committed work once a WAL sync that STARTED after its COMMIT has finished: groups committed while
   * a sync is running wait for the next one (which then covers all of them at once).
   */
  private syncCommitted(): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const batch = this.unsynced;
    this.unsynced = [];
    this.syncing = true;
    this.walSync!().then(
      () => {
        for (const { item, value } of batch) item.resolve(value);
      },
      (error: unknown) => {
        // Committed but maybe not on disk: no device may be told OK; they resend (eventIds dedupe downstream).
        for (const { item } of batch) item.reject(error);
      },
    ).finally(() => {
      this.syncing = false;
      this.syncCommitted();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private runInSavepoint(work: () => unknown): { ok: true; value: unknown } | { ok: false; error: unknown } {
    this.statements.savepoint.run();
    try {
      const value = work();
      if (isThenable(value)) throw new TypeError('group commit work must be synchronous (it runs inside the transaction)');
      this.statements.release.run();
      return { ok: true, value };
    } catch (error) {
      if (this.db.inTransaction) {
        this.statements.rollbackTo.run();
        this.statements.release.run();
      }
      return { ok: false, error };
    }
  }
}

/** WAL on a file: sync it off the event loop. In memory, or another journal mode: the COMMIT syncs (FULL). */
function defaultWalSync(db: EdgeDatabase): WalSync | null {
  if (db.memory || db.name === '' || String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
  return walFileSync(db.name, () => db.open);
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

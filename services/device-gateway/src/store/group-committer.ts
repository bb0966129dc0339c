import type { Statement } from 'better-sqlite3';
import type { EdgeDatabase } from './edge-database';

/** A group never grows past this many pieces of work, so one group's commit cannot hold the others for long. */
const DEFAULT_MAX_GROUP_SIZE = 256;

interface QueuedWork {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the edge store. With `synchronous=FULL` every COMMIT costs an fsync (a few ms on a real
 * disk), so one transaction per device upload caps the gateway at the disk's commits per second. Work that is
 * submitted during one turn of the event loop (every upload whose body arrived while the previous commit was
 * blocking the thread) is queued and committed together: ONE `BEGIN IMMEDIATE ... COMMIT`, one fsync.
 *
 * Each piece of work runs in its own SAVEPOINT inside the group transaction, so it stays all-or-nothing: if it
 * throws, only its own writes are rolled back and only its promise is rejected; the others go on. Every promise
 * resolves only after the group's COMMIT has returned, which is when the work is durable (DESIGN.md 3.1): a
 * caller may acknowledge a device then, never before. If the COMMIT itself fails, nothing of the group is
 * durable and every promise of the group is rejected.
 */
export class GroupCommitter {
  private queue: QueuedWork[] = [];
  private scheduled = false;
  private readonly maxGroupSize: number;
  private readonly statements: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Statement>;

  constructor(
    private readonly db: EdgeDatabase,
    options: { maxGroupSize?: number } = {},
  ) {
    this.maxGroupSize = options.maxGroupSize ?? DEFAULT_MAX_GROUP_SIZE;
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
      this.commitGroup();
      if (this.queue.length > 0) this.schedule();
    });
  }

  private commitGroup(): void {
    const group = this.queue.splice(0, this.maxGroupSize);
    if (group.length === 0) return;
    const done: { item: QueuedWork; value: unknown }[] = [];
    try {
      this.statements.begin.run();
      for (const item of group) {
        const outcome = this.runInSavepoint(item.work);
        if (outcome.ok) done.push({ item, value: outcome.value });
        else item.reject(outcome.error);
        // NOTE: after an I/O error or a full disk SQLite may roll back the whole transaction, not just the savepoint
        if (!this.db.inTransaction) throw outcome.ok ? new Error('the group transaction was rolled back by SQLite') : outcome.error;
      }
      this.statements.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      // Nothing of this group is durable. A promise already rejected with its own error keeps that error.
      for (const item of group) item.reject(error);
      return;
    }
    for (const { item, value } of done) item.resolve(value);
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

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

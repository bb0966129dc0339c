import { Worker } from 'node:worker_threads';
import type { EdgeDatabase } from './edge-database';
import { WAL_CHECKPOINT_THREAD_SOURCE } from './wal-checkpoint-thread-source';

/** SQLite's default: a COMMIT that leaves the WAL above this many pages checkpoints it. */
const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  /** How often the thread checkpoints (default 100 ms: at 5,000 punches/s the WAL grows ~1 MB per commit group). */
  intervalMs?: number;
  /**
   * The WAL's cap in pages (default 16,384: 64 MB of 4 KiB pages). Above it (the thread cannot keep up, or
   * cannot finish because a reader pins old frames) the main connection checkpoints in its COMMITs again,
   * as without this class, until the WAL is back under a quarter of the cap.
   */
  maxWalPages?: number;
}

/** What the last checkpoint run reported (pages in the WAL, pages copied into the database). */
export interface WalCheckpointState {
  log: number;
  checkpointed: number;
  /** True while the main connection checkpoints in its own COMMITs because the WAL is over the cap. */
  fallback: boolean;
}

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside whichever COMMIT takes the WAL
 * past 1,000 pages: with group commits of ~1 MB each (random event_id index pages), that is every few groups,
 * and that COMMIT copies the WAL into the database file and fsyncs it on the thread that answers devices
 * (measured: commit p90 4.9 → 10.8 ms with it). Here the main connection stops auto-checkpointing and a
 * worker thread, on its own connection, runs PASSIVE checkpoints, which never block the writer.
 *
 * Durability is unchanged: a commit is durable once its frames are fsync'd in the WAL (synchronous=FULL);
 * checkpointing only copies committed frames into the database file. The WAL stays bounded: once a checkpoint
 * has copied every frame, the next writer starts the WAL from its beginning; over `maxWalPages`, or if the
 * thread fails or exits, the main connection goes back to SQLite's auto-checkpoint.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private readonly intervalMs: number;
  private readonly maxWalPages: number;
  private lastState: WalCheckpointState = { log: 0, checkpointed: 0, fallback: false };
  private stopping = false;

  constructor(
    private readonly db: EdgeDatabase,
    private readonly databasePath: string,
    options: WalCheckpointerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxWalPages = options.maxWalPages ?? 16_384;
  }

  get state(): WalCheckpointState {
    return this.lastState;
  }

  start(): void {
    if (this.worker) return;
    this.stopping = false;
    const worker = new Worker(WAL_CHECKPOINT_THREAD_SOURCE, {
      eval: true,
      // NOTE: it allocates almost nothing (one statement, one small message per run); small heaps keep the
      // thread's share of the gateway's RSS (budget 200 MB) small
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 },
      workerData: { betterSqlite3Path: require.resolve('better-sqlite3'), databasePath: this.databasePath, intervalMs: this.intervalMs },
    });
    // NOTE: a background helper: it must not keep the process alive on its own
    worker.unref();
    this.worker = worker;
    this.setAutoCheckpoint(0);
    worker.on('message', (message: { type: 'checkpointed'; log: number; checkpointed: number } | { type: 'failed'; message: string }) => {
      // NOTE: a report may still arrive after stop() (and after the store closed the connection): ignored
      if (this.worker !== worker || !this.db.open) return;
      if (message.type === 'checkpointed') this.onCheckpointed(message.log, message.checkpointed);
    });
    // Whatever ends the thread, the main connection checkpoints again: the WAL must never grow unbounded.
    worker.on('error', () => this.onThreadGone(worker));
    worker.on('exit', () => this.onThreadGone(worker));
  }

  /** Ends the thread (its connection closes) and hands checkpoints back to the main connection. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopping = true;
    this.worker = null;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' });
    if (this.db.open) this.setAutoCheckpoint(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited;
    clearTimeout(timer);
  }

  private onCheckpointed(log: number, checkpointed: number): void {
    let fallback = this.lastState.fallback;
    if (!fallback && log > this.maxWalPages) {
      fallback = true;
      this.setAutoCheckpoint(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
    } else if (fallback && log < this.maxWalPages / 4) {
      fallback = false;
      this.setAutoCheckpoint(0);
    }
    this.lastState = { log, checkpointed, fallback };
  }

  private onThreadGone(worker: Worker): void {
    if (this.worker === worker) this.worker = null;
    if (!this.stopping && this.db.open) this.setAutoCheckpoint(SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES);
  }

  private setAutoCheckpoint(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${pages}`);
  }
}

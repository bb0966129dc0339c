import { openEdgeDatabase, type EdgeDatabase } from './edge-database';
import { DeviceEventOutboxRepository } from './device-event-outbox.repository';
import { DeviceRepository } from './device.repository';
import { PunchOutboxRepository } from './punch-outbox.repository';
import { QuarantineRepository } from './quarantine.repository';
import { RawRequestRepository } from './raw-request.repository';
import { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer';

/** The gateway's durable state: one SQLite database and its repositories. */
export class EdgeStore {
  readonly rawRequests: RawRequestRepository;
  readonly outbox: PunchOutboxRepository;
  readonly quarantine: QuarantineRepository;
  readonly devices: DeviceRepository;
  readonly deviceEvents: DeviceEventOutboxRepository;
  private checkpointer: WalCheckpointer | null = null;

  private constructor(
    readonly db: EdgeDatabase,
    private readonly path: string,
  ) {
    this.rawRequests = new RawRequestRepository(db);
    this.outbox = new PunchOutboxRepository(db);
    this.quarantine = new QuarantineRepository(db);
    this.devices = new DeviceRepository(db);
    this.deviceEvents = new DeviceEventOutboxRepository(db);
  }

  static open(path: string): EdgeStore {
    return new EdgeStore(openEdgeDatabase(path), path);
  }

  /**
   * WAL checkpoints from a worker thread instead of inside COMMITs on this thread (WalCheckpointer). For the
   * long-running gateway; short-lived users (tests, tools) keep SQLite's auto-checkpoint. Stopped by close().
   */
  startBackgroundCheckpoints(options: WalCheckpointerOptions = {}): WalCheckpointer | null {
    if (this.path === ':memory:') return null;
    this.checkpointer ??= new WalCheckpointer(this.db, this.path, options);
    this.checkpointer.start();
    return this.checkpointer;
  }

  /** Runs `work` in one SQLite transaction (BEGIN IMMEDIATE); it is durable once this returns. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    // NOTE: not awaited: the thread closes its own connection; this one, closing, checkpoints what is left
    void this.checkpointer?.stop();
    this.checkpointer = null;
    this.db.close();
  }
}

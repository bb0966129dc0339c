import { openEdgeDatabase, type EdgeDatabase } from './edge-database';
import { DeviceEventOutboxRepository } from './device-event-outbox.repository';
import { DeviceRepository } from './device.repository';
import { PunchOutboxRepository } from './punch-outbox.repository';
import { QuarantineRepository } from './quarantine.repository';
import { RawRequestRepository } from './raw-request.repository';

/** The gateway's durable state: one SQLite database and its repositories. */
export class EdgeStore {
  readonly rawRequests: RawRequestRepository;
  readonly outbox: PunchOutboxRepository;
  readonly quarantine: QuarantineRepository;
  readonly devices: DeviceRepository;
  readonly deviceEvents: DeviceEventOutboxRepository;

  private constructor(readonly db: EdgeDatabase) {
    this.rawRequests = new RawRequestRepository(db);
    this.outbox = new PunchOutboxRepository(db);
    this.quarantine = new QuarantineRepository(db);
    this.devices = new DeviceRepository(db);
    this.deviceEvents = new DeviceEventOutboxRepository(db);
  }

  static open(path: string): EdgeStore {
    return new EdgeStore(openEdgeDatabase(path));
  }

  /** Runs `work` in one SQLite transaction (BEGIN IMMEDIATE); it is durable once this returns. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  close(): void {
    this.db.close();
  }
}

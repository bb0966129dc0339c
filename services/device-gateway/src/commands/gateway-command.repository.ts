import type { Statement } from 'better-sqlite3';
import type { GatewayCommandResultV1 } from '@attendance/contracts';
import type { EdgeDatabase } from '../store/edge-database';

export type StoredCommandStatus = 'queued' | 'running' | 'done';

export interface StoredCommand {
  commandId: string;
  type: string;
  deviceSerial: string | null;
  /** The command as received (JSON). */
  payload: string;
  deadline: string;
  status: StoredCommandStatus;
  receivedAt: string;
  startedAt: string | null;
}

/**
 * `gateway_command` (every command received, by commandId) and `command_result_outbox` (results waiting for
 * Kafka). Receiving is an INSERT OR IGNORE on the commandId, so a redelivered command is recognised and not run
 * again; a result is written in the same transaction that marks its command done, so it is published exactly
 * when the command finished, across crashes.
 */
export class GatewayCommandRepository {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement<[string], Record<string, unknown>>;
  private readonly nextStmt: Statement<[], Record<string, unknown>>;
  private readonly runningStmt: Statement<[], Record<string, unknown>>;
  private readonly startStmt: Statement;
  private readonly doneStmt: Statement;
  private readonly resultStmt: Statement;
  private readonly unpublishedStmt: Statement<[number], { id: number; payload: string }>;
  private readonly publishedStmt: Statement;
  private readonly resultOfStmt: Statement<[string], { payload: string; published_at: string | null }>;

  constructor(private readonly db: EdgeDatabase) {
    this.insertStmt = db.prepare(
      `INSERT OR IGNORE INTO gateway_command (command_id, type, device_serial, payload, deadline, status, received_at)
       VALUES (@commandId, @type, @deviceSerial, @payload, @deadline, 'queued', @now)`,
    );
    this.getStmt = db.prepare('SELECT * FROM gateway_command WHERE command_id = ?');
    this.nextStmt = db.prepare("SELECT * FROM gateway_command WHERE status = 'queued' ORDER BY received_at, rowid LIMIT 1");
    this.runningStmt = db.prepare("SELECT * FROM gateway_command WHERE status = 'running' ORDER BY received_at");
    this.startStmt = db.prepare("UPDATE gateway_command SET status = 'running', started_at = ? WHERE command_id = ? AND status = 'queued'");
    this.doneStmt = db.prepare("UPDATE gateway_command SET status = 'done', completed_at = ? WHERE command_id = ?");
    this.resultStmt = db.prepare('INSERT OR IGNORE INTO command_result_outbox (command_id, payload, created_at) VALUES (?, ?, ?)');
    this.unpublishedStmt = db.prepare('SELECT id, payload FROM command_result_outbox WHERE published_at IS NULL ORDER BY id LIMIT ?');
    this.publishedStmt = db.prepare('UPDATE command_result_outbox SET published_at = ? WHERE id = ?');
    this.resultOfStmt = db.prepare('SELECT payload, published_at FROM command_result_outbox WHERE command_id = ?');
  }

  /** Records a received command; false when this commandId was received before (a redelivery). */
  receive(command: { commandId: string; type: string; deviceSerial: string | null; payload: string; deadline: string }, now: string): boolean {
    return this.insertStmt.run({ ...command, now }).changes === 1;
  }

  get(commandId: string): StoredCommand | null {
    const row = this.getStmt.get(commandId);
    return row ? toCommand(row) : null;
  }

  nextQueued(): StoredCommand | null {
    const row = this.nextStmt.get();
    return row ? toCommand(row) : null;
  }

  /** Commands that were running when the gateway stopped. */
  running(): StoredCommand[] {
    return this.runningStmt.all().map(toCommand);
  }

  markRunning(commandId: string, now: string): boolean {
    return this.startStmt.run(now, commandId).changes === 1;
  }

  /** Marks the command done and queues its result, in the caller's transaction. */
  complete(commandId: string, result: GatewayCommandResultV1, now: string): void {
    this.doneStmt.run(now, commandId);
    this.resultStmt.run(commandId, JSON.stringify(result), now);
  }

  resultOf(commandId: string): { result: GatewayCommandResultV1; publishedAt: string | null } | null {
    const row = this.resultOfStmt.get(commandId);
    return row ? { result: JSON.parse(row.payload) as GatewayCommandResultV1, publishedAt: row.published_at } : null;
  }

  unpublishedResults(limit: number): { id: number; result: GatewayCommandResultV1 }[] {
    return this.unpublishedStmt.all(limit).map((row) => ({ id: row.id, result: JSON.parse(row.payload) as GatewayCommandResultV1 }));
  }

  markResultsPublished(ids: readonly number[], now: string): void {
    this.db.transaction(() => {
      for (const id of ids) this.publishedStmt.run(now, id);
    })();
  }
}

function toCommand(row: Record<string, unknown>): StoredCommand {
  return {
    commandId: row.command_id as string,
    type: row.type as string,
    deviceSerial: (row.device_serial as string | null) ?? null,
    payload: row.payload as string,
    deadline: row.deadline as string,
    status: row.status as StoredCommandStatus,
    receivedAt: row.received_at as string,
    startedAt: (row.started_at as string | null) ?? null,
  };
}

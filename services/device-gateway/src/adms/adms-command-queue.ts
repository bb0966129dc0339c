import { EventEmitter } from 'node:events';
import type { EdgeStore } from '../store/edge-store';
import { AdmsCommandRepository, type AdmsCommandRow } from './adms-command.repository';
import { parseDevicecmdBody } from './devicecmd-parser';

export interface AdmsCommandResult {
  returnCode: number;
  body: Record<string, string>;
  raw: string;
}

export class AdmsCommandExpiredError extends Error {
  constructor(readonly commandId: number, readonly deadlineAt: string) {
    super(`ADMS command ${commandId} expired at ${deadlineAt} without a result from the device`);
    this.name = 'AdmsCommandExpiredError';
  }
}

export class AdmsCommandTimeoutError extends Error {
  constructor(readonly commandId: number, readonly timeoutMs: number) {
    super(`no result for ADMS command ${commandId} within ${timeoutMs} ms`);
    this.name = 'AdmsCommandTimeoutError';
  }
}

export interface AdmsCommandQueueOptions {
  /** Default deadline of a command; the device must fetch and answer it within this. */
  defaultDeadlineMs: number;
  /** A command handed out but never answered (the device rebooted mid-way) is handed out again after this. */
  resendAfterMs: number;
  /** At most this many commands per getrequest reply, so a poll reply stays small. */
  maxPerPoll: number;
  /** How often waitForResult re-reads the table (results may be written by another process or before a restart). */
  pollIntervalMs: number;
  now: () => Date;
}

const DEFAULTS: AdmsCommandQueueOptions = {
  defaultDeadlineMs: 10 * 60_000,
  resendAfterMs: 5 * 60_000,
  maxPerPoll: 10,
  pollIntervalMs: 500,
  now: () => new Date(),
};

/**
 * Durable queue of commands for ADMS (ZK PUSH) devices (device-protocols.md §1.7, §1.8). A command is stored
 * in SQLite, handed to the device on its next `GET /iclock/getrequest` as `C:<id>:<command>`, and completed
 * when the device posts `ID=<id>&Return=<code>&CMD=...` to `/iclock/devicecmd`. Results are stored too, so
 * `waitForResult` works across a gateway restart (it reads the table, woken early by an in-process notifier).
 */
export class AdmsCommandQueue {
  private readonly repository: AdmsCommandRepository;
  private readonly options: AdmsCommandQueueOptions;
  private readonly completed = new EventEmitter();

  constructor(private readonly store: EdgeStore, options: Partial<AdmsCommandQueueOptions> = {}) {
    this.repository = new AdmsCommandRepository(store.db);
    this.options = { ...DEFAULTS, ...options };
    this.completed.setMaxListeners(0);
  }

  /** Queues `command` for the device; it is durable when this returns. */
  enqueue(serial: string, command: string, opts: { deadlineMs?: number } = {}): { id: number } {
    // A line break would smuggle a second command line into the getrequest reply.
    if (command.trim() === '' || /[\r\n]/.test(command)) throw new Error('an ADMS command is one non-empty line');
    const now = this.options.now();
    const deadline = new Date(now.getTime() + (opts.deadlineMs ?? this.options.defaultDeadlineMs));
    return { id: this.repository.insert(serial, command, now.toISOString(), deadline.toISOString()) };
  }

  /** The reply body of `GET /iclock/getrequest`: the device's due commands as `C:<id>:<cmd>` lines, or `OK`. */
  takeForPoll(serial: string): string {
    const now = this.options.now();
    this.repository.expireOverdue(now.toISOString());
    const resendBefore = new Date(now.getTime() - this.options.resendAfterMs).toISOString();
    const commands = this.repository.takeDeliverable(serial, now.toISOString(), resendBefore, this.options.maxPerPoll);
    if (commands.length === 0) return 'OK';
    return commands.map((c) => `C:${c.id}:${c.command}`).join('\n') + '\n';
  }

  /**
   * Completes commands from a `POST /iclock/devicecmd` body. Returns what could not be matched (no id, a
   * malformed Return, or an id this device was never given) so the caller can quarantine it.
   */
  completeFromDevice(
    serial: string,
    body: Buffer,
  ): { completed: number; results: { id: number; body: Record<string, string> }[]; unmatched: { lineNumber: number; raw: Buffer; reason: string; detail: string }[] } {
    const parsed = parseDevicecmdBody(body);
    const unmatched: { lineNumber: number; raw: Buffer; reason: string; detail: string }[] = parsed.rejected.map((r) => ({ lineNumber: r.lineNumber, raw: r.raw, reason: r.reason, detail: r.detail }));
    const now = this.options.now().toISOString();
    const done: number[] = [];
    const results: { id: number; body: Record<string, string> }[] = [];
    for (const result of parsed.results) {
      const id = /^\d{1,15}$/.test(result.id) ? Number(result.id) : null;
      if (id !== null && this.repository.complete(id, serial, result, now)) {
        done.push(id);
        results.push({ id, body: result.body });
      }
      else unmatched.push({ lineNumber: 0, raw: Buffer.from(result.raw), reason: 'unknown-command-id', detail: `no command ${result.id.slice(0, 20)} was given to ${serial}` });
    }
    // Waiters are woken after the caller's transaction commits (emit is synchronous; they re-read on a tick).
    for (const id of done) setImmediate(() => this.completed.emit(String(id)));
    return { completed: done.length, results, unmatched };
  }

  get(id: number): AdmsCommandRow | null {
    return this.repository.get(id);
  }

  /**
   * Resolves with the device's result for command `id`. Rejects with AdmsCommandExpiredError when its
   * deadline passes unanswered, AdmsCommandTimeoutError after `timeoutMs`, or an Error for an unknown id.
   */
  waitForResult(id: number, timeoutMs: number): Promise<AdmsCommandResult> {
    return new Promise<AdmsCommandResult>((resolve, reject) => {
      let finished = false;
      const finish = (outcome: () => void) => {
        if (finished) return;
        finished = true;
        clearInterval(poller);
        clearTimeout(timer);
        this.completed.off(String(id), check);
        outcome();
      };
      const check = () => {
        let row: AdmsCommandRow | null;
        try {
          row = this.repository.get(id);
        } catch (error) {
          // The store was closed under us (shutdown): nothing more will come.
          finish(() => reject(error as Error));
          return;
        }
        if (!row) return finish(() => reject(new Error(`unknown ADMS command ${id}`)));
        if (row.status === 'done') {
          return finish(() => resolve({ returnCode: row.returnCode ?? 0, body: row.resultBody ?? {}, raw: row.resultRaw ?? '' }));
        }
        if (row.status === 'expired' || row.deadlineAt <= this.options.now().toISOString()) {
          return finish(() => reject(new AdmsCommandExpiredError(id, row.deadlineAt)));
        }
      };
      const poller = setInterval(check, this.options.pollIntervalMs);
      const timer = setTimeout(() => finish(() => reject(new AdmsCommandTimeoutError(id, timeoutMs))), timeoutMs);
      this.completed.on(String(id), check);
      check();
    });
  }
}

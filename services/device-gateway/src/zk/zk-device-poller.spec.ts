import { ZkDevicePoller, type ZkLogBatch, type ZkPollerEvent } from './zk-device-poller';
import { ZkError } from './zk-errors';
import type { ZkFreeSizes } from './zk-free-sizes';
import type { ZkAttendanceLogRead, ZkTcpSession, ZkTcpSessionOptions } from './zk-tcp-session';

/** A stand-in session: each read reports `count` records; `end()` simulates the device going away. */
class FakeSession {
  static opened: FakeSession[] = [];
  count = 10;
  complete = true;
  reads = 0;
  sizeChecks = 0;
  closed = 0;
  readonly sessionId = 7;
  private resolveEnded!: (end: { error: ZkError; byGateway: boolean }) => void;
  readonly ended = new Promise<{ error: ZkError; byGateway: boolean }>((resolve) => (this.resolveEnded = resolve));
  private open = true;

  get isOpen() {
    return this.open;
  }
  usersComplete = true;
  async readUsers() {
    return { users: [{ uid: 2, userId: '0200' }], expectedCount: 1, complete: this.usersComplete, incompleteReasons: this.usersComplete ? [] : ['short'] };
  }
  async onRealtimePunch() {
    return () => undefined;
  }
  async readFreeSizes(): Promise<ZkFreeSizes> {
    this.sizeChecks++;
    return { records: this.count } as ZkFreeSizes;
  }
  async readAttendanceLog(): Promise<ZkAttendanceLogRead> {
    this.reads++;
    return { records: [], expectedCount: this.count, complete: this.complete, incompleteReasons: this.complete ? [] : ['short'] } as unknown as ZkAttendanceLogRead;
  }
  end(code: 'closed' | 'idle-timeout' = 'closed', byGateway = false) {
    this.open = false;
    this.resolveEnded({ error: new ZkError(code, code), byGateway });
  }
  async close() {
    this.closed++;
    if (this.open) this.end('closed', true);
    return { exitSent: true, exitAcknowledged: true, deviceReEnabled: null };
  }
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function poller(overrides: Partial<ConstructorParameters<typeof ZkDevicePoller>[0]> = {}, failOpens = 0) {
  const batches: ZkLogBatch[] = [];
  const events: ZkPollerEvent[] = [];
  const sessions: FakeSession[] = [];
  let opens = 0;
  const p = new ZkDevicePoller({
    session: { host: 'fake' } as ZkTcpSessionOptions,
    onBatch: async (batch) => void batches.push(batch),
    onEvent: (event) => void events.push(event),
    openSession: async () => {
      if (opens++ < failOpens) throw new ZkError('connect-failed', 'unreachable');
      const s = new FakeSession();
      sessions.push(s);
      return s as unknown as ZkTcpSession;
    },
    backoff: { initialMs: 10, maxMs: 40 },
    partialRetryDelayMs: 10,
    reconcileIntervalMs: 30,
    random: () => 0.5,
    ...overrides,
  });
  return { p, batches, events, sessions };
}

describe(ZkDevicePoller.name, () => {
  it('backs off with jitter while the device is unreachable, then reads the whole log on connect', async () => {
    const { p, batches, events } = poller({}, 3);
    p.start();
    await waitFor('a batch', () => batches.length === 1);
    // 10, 20, 40 ms (capped at maxMs) scaled by 0.5 + 0.5 * random = 0.75
    expect(events.filter((e) => e.type === 'backoff').map((e) => e.type === 'backoff' && e.delayMs)).toEqual([8, 15, 30]);
    expect(batches[0]).toMatchObject({ trigger: 'connect', connection: 1 });
    await p.stop();
  });

  it('skips scheduled reads while the record count is unchanged, and reads when it moves (P2)', async () => {
    const { p, batches, sessions, events } = poller();
    p.start();
    await waitFor('first read', () => batches.length === 1);
    await waitFor('two skipped checks', () => sessions[0]!.sizeChecks >= 2);
    expect(sessions[0]!.reads).toBe(1);
    expect(events.some((e) => e.type === 'read-skipped')).toBe(true);
    sessions[0]!.count = 11;
    await waitFor('second read', () => batches.length === 2);
    expect(batches[1]).toMatchObject({ trigger: 'scheduled', read: { expectedCount: 11 } });
    expect(p.status.lastCompleteCount).toBe(11);
    await p.stop();
  });

  it('treats a failed store as not done: nothing is counted and the read is repeated', async () => {
    let failures = 1;
    const stored: ZkLogBatch[] = [];
    const { p, events } = poller({
      onBatch: async (batch) => {
        if (failures-- > 0) throw new Error('disk full');
        stored.push(batch);
      },
    });
    p.start();
    await waitFor('a stored batch', () => stored.length === 1);
    expect(stored[0]!.trigger).toBe('retry');
    expect(events.find((e) => e.type === 'error')).toMatchObject({ stage: 'store', message: 'disk full' });
    await p.stop();
  });

  it('reconnects after the session dies and backfills; stop() closes the session', async () => {
    const { p, batches, sessions } = poller({ reconcileIntervalMs: 60_000 });
    p.start();
    await waitFor('first read', () => batches.length === 1);
    sessions[0]!.end('idle-timeout');
    await waitFor('backfill', () => batches.length === 2);
    expect(batches[1]).toMatchObject({ trigger: 'reconnect', connection: 2 });
    p.requestRead();
    await waitFor('requested read', () => batches.length === 3);
    expect(batches[2]!.trigger).toBe('requested');
    await p.stop();
    // close() is idempotent on a real session; stop() and the loop's finally may both call it.
    expect(sessions.every((s) => s.closed >= 1)).toBe(true);
    expect(p.status.state).toBe('stopped');
  });

  it('tells onUsersRead of every complete user table read (connect, before the first log read; refresh), never of a partial one', async () => {
    const heard: string[] = [];
    let reject = true;
    const { p, batches, sessions } = poller({
      readUsers: true,
      reconcileIntervalMs: 60_000,
      onUsersRead: async (users, context) => {
        heard.push(`${context.cause}:${context.connection}:${users.userIdOfSerial(2)}:batches=${batches.length}`);
        if (reject) {
          reject = false;
          throw new Error('store down'); // logged; the session goes on
        }
      },
    });
    p.start();
    await waitFor('first read', () => batches.length === 1);
    expect(heard).toEqual(['connect:1:0200:batches=0']);
    await p.refreshUsers();
    sessions[0]!.usersComplete = false;
    await p.refreshUsers();
    expect(heard).toEqual(['connect:1:0200:batches=0', 'refresh:1:0200:batches=1']);
    sessions[0]!.end('idle-timeout');
    await waitFor('backfill', () => batches.length === 2);
    expect(heard.at(-1)).toBe('connect:2:0200:batches=1');
    await p.stop();
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EdgeStore } from './edge-store';
import { GroupCommitter } from './group-committer';
import type { WalCheckpointer } from './wal-checkpointer';

// Real SQLite on disk (WAL, synchronous=FULL) and a real worker thread, as in the gateway.
describe('WalCheckpointer', () => {
  let dir: string;
  let path: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
    path = join(dir, 'gateway.sqlite');
    store = EdgeStore.open(path);
  });

  afterEach(() => {
    if (store.db.open) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const autoCheckpoint = () => store.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  /** One upload's worth of rows: a raw request and ten outbox rows (~1 KB payloads), like ATTLOG uploads. */
  const writeUpload = (n: number) => {
    const rawRequestId = store.rawRequests.insert({ deviceSerial: 'DEV1', protocol: 'zk-push2', tableName: 'ATTLOG', query: 'SN=DEV1', body: Buffer.alloc(400, 65), receivedAt: 'now', outcome: 'parsed' });
    for (let i = 0; i < 10; i++) store.outbox.insert({ eventId: `event-${n}-${i}`, deviceSerial: 'DEV1', rawRequestId, payload: 'x'.repeat(1000), createdAt: 'now' });
  };
  const waitFor = async (what: string, condition: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('takes checkpoints off the writing connection and copies every committed frame from its thread', async () => {
    const checkpointer = store.startBackgroundCheckpoints({ intervalMs: 20 })!;
    expect(autoCheckpoint()).toBe(0);
    const committer = new GroupCommitter(store.db);
    for (let n = 0; n < 200; n++) await committer.submit(() => writeUpload(n));
    // Frames written by this connection end up in the database file, copied by the thread alone.
    await waitFor('a checkpoint of every frame', () => checkpointer.state.log > 0 && checkpointer.state.checkpointed === checkpointer.state.log);
    expect(checkpointer.state.fallback).toBe(false);
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare('SELECT COUNT(*) FROM punch_outbox').pluck().get()).toBe(2000);
    } finally {
      other.close();
    }
  });

  it('keeps the WAL bounded under steady writes: a fully checkpointed WAL is started again from its beginning', async () => {
    const checkpointer = store.startBackgroundCheckpoints({ intervalMs: 10 })!;
    // ~100 pages per commit of 20 uploads: 150 commits make a ~59 MB WAL when nothing checkpoints it (measured).
    for (let batch = 0; batch < 150; batch++) {
      store.transaction(() => {
        for (let n = 0; n < 20; n++) writeUpload(batch * 20 + n);
      });
      // between commits, as between device requests: the thread gets its turn
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    const walBytes = statSync(`${path}-wal`).size;
    expect(walBytes).toBeLessThan(32 * 1024 * 1024);
    await waitFor('the last commit checkpointed', () => checkpointer.state.checkpointed > 0 && checkpointer.state.checkpointed === checkpointer.state.log);
  });

  it('hands checkpoints back to the main connection above the WAL cap, and again when the thread is stopped', async () => {
    const checkpointer: WalCheckpointer = store.startBackgroundCheckpoints({ intervalMs: 20, maxWalPages: 1 })!;
    expect(autoCheckpoint()).toBe(0);
    store.transaction(() => writeUpload(1));
    await waitFor('the fallback', () => checkpointer.state.fallback);
    expect(autoCheckpoint()).toBe(1000);
    await checkpointer.stop();
    expect(autoCheckpoint()).toBe(1000);
  });

  it('restores the auto-checkpoint when stopped, and the store still closes cleanly with the thread gone', async () => {
    const checkpointer = store.startBackgroundCheckpoints({ intervalMs: 20 })!;
    store.transaction(() => writeUpload(1));
    await checkpointer.stop();
    expect(autoCheckpoint()).toBe(1000);
    store.close();
    const reopened = EdgeStore.open(path);
    try {
      expect(reopened.db.prepare('SELECT COUNT(*) FROM punch_outbox').pluck().get()).toBe(10);
    } finally {
      reopened.close();
    }
  });
});

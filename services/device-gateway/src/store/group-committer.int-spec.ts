import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEdgeDatabase, type EdgeDatabase } from './edge-database';
import { GroupCommitter } from './group-committer';
import { walFileSync } from './wal-file-sync';

// Real SQLite on disk (WAL, synchronous=FULL), as in production; a second connection sees only committed data.
describe(GroupCommitter.name, () => {
  let dir: string;
  let db: EdgeDatabase;
  let reader: Database.Database;
  const insert = (serial: string) => () => db.prepare("INSERT INTO device_stamp (device_serial, table_name, stamp, updated_at) VALUES (?, 'ATTLOG', '1', 'now')").run(serial).changes;
  const committed = () => reader.prepare('SELECT device_serial FROM device_stamp ORDER BY device_serial').pluck().all() as string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'group-committer-'));
    db = openEdgeDatabase(join(dir, 'gateway.sqlite'));
    reader = new Database(join(dir, 'gateway.sqlite'), { readonly: true });
  });

  afterEach(() => {
    reader.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits work submitted together in one transaction and resolves each only after the commit', async () => {
    const committer = new GroupCommitter(db);
    const seenInside: string[][] = [];
    const results = ['A', 'B', 'C'].map((serial) =>
      committer.submit(() => {
        seenInside.push(committed());
        return insert(serial)();
      }).then((changes) => ({ changes, committed: committed() })),
    );
    const settled = await Promise.all(results);
    expect(seenInside).toEqual([[], [], []]);
    expect(settled).toEqual(Array.from({ length: 3 }, () => ({ changes: 1, committed: ['A', 'B', 'C'] })));
  });

  it('rolls back only the work that throws (its savepoint) and commits the rest', async () => {
    const committer = new GroupCommitter(db);
    const results = await Promise.allSettled([
      committer.submit(insert('A')),
      committer.submit(() => {
        insert('B')();
        throw new Error('parser bug');
      }),
      // a constraint error: the same key twice in one piece of work
      committer.submit(() => {
        insert('C')();
        return insert('C')();
      }),
      committer.submit(insert('D')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(committed()).toEqual(['A', 'D']);
  });

  it('rejects every piece of its group when SQLite rolls back the whole transaction', async () => {
    const committer = new GroupCommitter(db);
    const results = await Promise.allSettled([
      committer.submit(insert('A')),
      committer.submit(() => {
        insert('B')();
        // As SQLite does itself after some I/O errors or a full disk: the group's transaction is gone.
        db.prepare('ROLLBACK').run();
        throw new Error('disk I/O error');
      }),
      committer.submit(insert('C')),
    ]);
    // A and B were in the rolled-back transaction; C's work had not run yet, so it goes into the next group.
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(committed()).toEqual(['C']);
    expect(db.inTransaction).toBe(false);
    // The committer goes on with the next group.
    await expect(committer.submit(insert('E'))).resolves.toBe(1);
    expect(committed()).toEqual(['C', 'E']);
  });

  it('refuses asynchronous work, which would run outside the transaction', async () => {
    const committer = new GroupCommitter(db);
    await expect(committer.submit(() => Promise.resolve(insert('A')()))).rejects.toThrow('synchronous');
    expect(committed()).toEqual([]);
  });

  it('splits a queue longer than the group size into several groups, in submission order', async () => {
    const committer = new GroupCommitter(db, { maxGroupSize: 2 });
    const order: string[] = [];
    const visible: number[] = [];
    await Promise.all(
      ['A', 'B', 'C', 'D', 'E'].map((serial) =>
        committer.submit(() => {
          order.push(serial);
          visible.push(committed().length);
          return insert(serial)();
        }),
      ),
    );
    expect(order).toEqual(['A', 'B', 'C', 'D', 'E']);
    // Each group sees the groups before it committed: [A B] [C D] [E].
    expect(visible).toEqual([0, 0, 2, 2, 4]);
  });

  it('stops adding work to a group after its time budget; the rest follows in later groups, in order', async () => {
    const committer = new GroupCommitter(db, { maxGroupMs: 0 });
    const visible: number[] = [];
    await Promise.all(
      ['A', 'B', 'C'].map((serial) =>
        committer.submit(() => {
          visible.push(committed().length);
          return insert(serial)();
        }),
      ),
    );
    // a zero budget still takes one piece of work per group: [A] [B] [C]
    expect(visible).toEqual([0, 1, 2]);
  });

  describe('with the WAL synced off the event loop', () => {
    /** A WAL sync the test finishes by hand: `calls[n].finish()` or `.fail(error)`. */
    const controlledSync = () => {
      const calls: { finish: () => void; fail: (error: Error) => void }[] = [];
      const walSync = () =>
        new Promise<void>((resolve, reject) => {
          calls.push({ finish: resolve, fail: reject });
        });
      return { calls, walSync };
    };
    const settledYet = (promise: Promise<unknown>) => {
      let settled = false;
      promise.then(
        () => (settled = true),
        () => (settled = true),
      );
      return () => settled;
    };
    const waitFor = async (condition: () => boolean) => {
      for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
      expect(condition()).toBe(true);
    };

    it('resolves committed work only once the WAL sync that started after its COMMIT has finished', async () => {
      const { calls, walSync } = controlledSync();
      const committer = new GroupCommitter(db, { walSync });
      const a = committer.submit(insert('A'));
      const aSettled = settledYet(a);
      await waitFor(() => calls.length === 1);
      // committed (a second connection sees it), but not yet acknowledged: its WAL is not known to be on disk
      expect(committed()).toEqual(['A']);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(aSettled()).toBe(false);
      calls[0]!.finish();
      await expect(a).resolves.toBe(1);
    });

    it('gathers work submitted during a sync into one group after it, acknowledged only after its own sync', async () => {
      const { calls, walSync } = controlledSync();
      const committer = new GroupCommitter(db, { walSync });
      const a = committer.submit(insert('A'));
      await waitFor(() => calls.length === 1);
      const b = committer.submit(insert('B'));
      const c = committer.submit(insert('C'));
      const bSettled = settledYet(b);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // B and C wait for sync 1 (their own sync could not start before it ends anyway)
      expect(committed()).toEqual(['A']);
      calls[0]!.finish();
      await expect(a).resolves.toBe(1);
      await waitFor(() => calls.length === 2);
      // one group, one sync for both; committed, not yet acknowledged
      expect(committed()).toEqual(['A', 'B', 'C']);
      expect(bSettled()).toBe(false);
      calls[1]!.finish();
      await expect(Promise.all([b, c])).resolves.toEqual([1, 1]);
      expect(calls).toHaveLength(2);
    });

    it('commits work left over by a group cut at its time limit without waiting for the running sync', async () => {
      const { calls, walSync } = controlledSync();
      const committer = new GroupCommitter(db, { walSync, maxGroupMs: 0 });
      const results = ['A', 'B', 'C'].map((serial) => committer.submit(insert(serial)));
      // one piece of work per group: [A] commits and its sync starts; B and C still commit while it runs
      await waitFor(() => committed().length === 3);
      expect(calls).toHaveLength(1);
      calls[0]!.finish();
      await expect(results[0]).resolves.toBe(1);
      // the next sync covers both groups committed during the first one
      await waitFor(() => calls.length === 2);
      calls[1]!.finish();
      await expect(Promise.all(results.slice(1))).resolves.toEqual([1, 1]);
      expect(calls).toHaveLength(2);
    });

    it('rejects the work of a group whose WAL sync fails (no device may be told OK), and goes on', async () => {
      const { calls, walSync } = controlledSync();
      const committer = new GroupCommitter(db, { walSync });
      const a = committer.submit(insert('A'));
      await waitFor(() => calls.length === 1);
      calls[0]!.fail(new Error('EIO: fdatasync'));
      await expect(a).rejects.toThrow('EIO');
      const c = committer.submit(insert('C'));
      await waitFor(() => calls.length === 2);
      calls[1]!.finish();
      await expect(c).resolves.toBe(1);
    });

    it('skips the fsync only in its own COMMIT: the connection is back at synchronous=FULL for other writers', async () => {
      const { calls, walSync } = controlledSync();
      const committer = new GroupCommitter(db, { walSync });
      const levels: number[] = [];
      const a = committer.submit(() => {
        levels.push(db.pragma('synchronous', { simple: true }) as number);
        return insert('A')();
      });
      await waitFor(() => calls.length === 1);
      levels.push(db.pragma('synchronous', { simple: true }) as number);
      calls[0]!.finish();
      await a;
      // 1 = NORMAL inside the group, 2 = FULL after it
      expect(levels).toEqual([1, 2]);
    });

    it('syncs the real WAL file by default for an on-disk WAL database', async () => {
      // the default walSync (fdatasync of gateway.sqlite-wal on the thread pool) must work end to end
      const committer = new GroupCommitter(db);
      const level = () => db.pragma('synchronous', { simple: true }) as number;
      const levels: number[] = [];
      const b = () => {
        levels.push(level());
        return insert('B')();
      };
      await expect(Promise.all([committer.submit(insert('A')), committer.submit(b)])).resolves.toEqual([1, 1]);
      expect(committed()).toEqual(['A', 'B']);
      expect([...levels, level()]).toEqual([1, 2]);
    });

    it('syncs the WAL through one kept descriptor while the database is open, and refuses once it is closed', async () => {
      let open = true;
      const sync = walFileSync(join(dir, 'gateway.sqlite'), () => open);
      await expect(sync()).resolves.toBeUndefined();
      await expect(sync()).resolves.toBeUndefined();
      open = false;
      // no OK may follow: the WAL it kept open may have been deleted with the last connection
      await expect(sync()).rejects.toThrow('closed');
    });

    it('keeps the fsync in the COMMIT where there is no WAL file to sync (in memory)', async () => {
      const memory = openEdgeDatabase(':memory:');
      try {
        const committer = new GroupCommitter(memory);
        const levels: number[] = [];
        await committer.submit(() => levels.push(memory.pragma('synchronous', { simple: true }) as number));
        expect(levels).toEqual([2]);
      } finally {
        memory.close();
      }
    });
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openEdgeDatabase, type EdgeDatabase } from './edge-database';
import { GroupCommitter } from './group-committer';

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
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(committed()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // The committer goes on with the next group.
    await expect(committer.submit(insert('E'))).resolves.toBe(1);
    expect(committed()).toEqual(['E']);
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
});

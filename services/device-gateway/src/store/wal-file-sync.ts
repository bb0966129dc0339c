import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes everything written to the WAL so far durable; resolves once it is on disk. */
export type WalSync = () => Promise<void>;

/**
 * fdatasync of a SQLite database's WAL file on libuv's thread pool, so the event loop does not wait for the disk.
 *
 * Why this is the same durability as `synchronous=FULL`: in WAL mode a COMMIT appends the transaction's frames
 * (and its commit frame) to the WAL with write(); FULL only adds an fsync of the WAL before COMMIT returns. A
 * COMMIT run with `synchronous=NORMAL` followed by this sync has put exactly the same bytes on disk, and after
 * a crash SQLite recovers every valid frame it finds in the WAL. A sync that starts after a COMMIT returned
 * covers that COMMIT (fdatasync flushes the file, whichever descriptor wrote it).
 *
 * The WAL is opened once and kept: one thread-pool hop per sync (open + sync + close were three, each waiting
 * for a turn of a busy event loop). TRICKY: that is safe because SQLite deletes the WAL only when the last
 * connection closes, and `isOpen` (our connection) is checked before every sync: once the database is closed
 * the descriptor is closed and the sync fails, instead of syncing a file that may have been deleted since.
 * The directory is synced once, when the WAL is first opened, so its directory entry is durable too.
 */
export function walFileSync(databasePath: string, isOpen: () => boolean): WalSync {
  const walPath = `${databasePath}-wal`;
  const held: { fd: number | null } = { fd: null };
  const sync: WalSync = () => {
    if (!isOpen()) {
      closeHeld(held);
      return Promise.reject(new Error(`database ${databasePath} is closed: its WAL can no longer be synced`));
    }
    if (held.fd === null) {
      held.fd = openSync(walPath, 'r+');
      const directory = openSync(dirname(walPath), 'r');
      try {
        fsyncSync(directory);
      } finally {
        closeSync(directory);
      }
    }
    const fd = held.fd;
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  };
  // A committer whose database was closed without a sync after it (tests open many) must not keep its descriptor
  unusedDescriptors.register(sync, held);
  return sync;
}

const unusedDescriptors = new FinalizationRegistry<{ fd: number | null }>(closeHeld);

function closeHeld(held: { fd: number | null }): void {
  if (held.fd === null) return;
  try {
    closeSync(held.fd);
  } catch {
    // already closed
  }
  held.fd = null;
}

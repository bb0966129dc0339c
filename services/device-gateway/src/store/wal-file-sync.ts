import { close, fdatasync, fsync, open } from 'node:fs';
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
 * TRICKY: the file is opened anew for every sync rather than kept open: should the WAL ever be deleted and
 * created again (a last connection closing it), a kept descriptor would sync a deleted file and nothing else.
 * The directory is synced once, so the WAL's own directory entry is durable too.
 */
export function walFileSync(databasePath: string): WalSync {
  const walPath = `${databasePath}-wal`;
  let directorySynced = false;
  return async () => {
    await syncPath(walPath, 'r+', fdatasync);
    if (!directorySynced) {
      await syncPath(dirname(walPath), 'r', fsync);
      directorySynced = true;
    }
  };
}

function syncPath(path: string, flags: string, sync: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, flags, (openError, fd) => {
      if (openError) {
        reject(openError);
        return;
      }
      sync(fd, (syncError) => {
        close(fd, (closeError) => {
          const error = syncError ?? closeError;
          if (error) reject(error);
          else resolve();
        });
      });
    });
  });
}

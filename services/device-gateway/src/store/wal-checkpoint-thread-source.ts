/**
 * The code of WalCheckpointer's worker thread, as plain JavaScript run with `new Worker(code, { eval: true })`.
 *
 * TRICKY: a source string rather than a file, because the service ships as one esbuild bundle (dist/services/
 * device-gateway/main.js) and Jest runs TypeScript through SWC: neither has a separate worker file at run time
 * (the same reason as libs/kafka's producer-thread-source.ts). It only needs better-sqlite3, whose path the
 * parent resolves and passes in `workerData`.
 *
 * It opens its own connection to the gateway's database and runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * `intervalMs`: PASSIVE never waits for, and never blocks, the writer on the main thread (it copies the frames
 * that are committed and not in use by a reader, then fsyncs the database file, here, off the event loop).
 *
 * Protocol (worker → parent): { type: 'checkpointed', log, checkpointed, busy } after every run (frames in the
 * WAL and frames copied, as SQLite reports them); { type: 'failed', message } when a run throws (it keeps
 * trying). (parent → worker): { type: 'stop' }: closes the connection and ends the thread.
 */
export const WAL_CHECKPOINT_THREAD_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3Path);

const db = new Database(workerData.databasePath);
// NOTE: PASSIVE checkpoints never call the busy handler; this only covers opening the WAL index.
db.pragma('busy_timeout = 1000');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    const result = checkpoint.get();
    parentPort.postMessage({ type: 'checkpointed', log: result.log, checkpointed: result.checkpointed, busy: result.busy });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', message: (error && error.message) || String(error) });
  }
}, workerData.intervalMs);

parentPort.on('message', (message) => {
  if (message && message.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Stops kafkajs 2.2.4's idle timer loop: `RequestQueue.scheduleCheckPendingRequests` re-arms a timer on every
 * check even with nothing pending, and with no throttle in effect its delay is negative, i.e. ~1 ms. Every
 * broker connection (consumer, producers, admin, the producer thread's) then runs a check a millisecond, for as
 * long as it is open: kafkajs issues #1556 ("CPU hike on v2.2.4") and #1704, fix proposed in PR #1667 (not
 * released). In ingest's allocation profile these timers were the largest thing alive after its own batches.
 *
 * The replacement schedules a check only when requests are waiting (in the queue because of the in-flight limit
 * or a broker throttle), after the throttle or kafkajs's 10 ms interval, exactly as kafkajs does then. With none
 * waiting there is nothing to check: a request pushed later schedules its own check (`push`), and a finished or
 * timed-out request checks the queue itself (`fulfillRequest`, the request timeout).
 *
 * JavaScript source, because the producer thread (producer-thread-source.ts) installs it in its own kafkajs too;
 * the main thread runs it through installRequestQueueFix below. Installed only on kafkajs 2.2.4, whose method
 * this mirrors; other versions stay as they are.
 */
export const REQUEST_QUEUE_FIX_SOURCE = String.raw`
function installRequestQueueFix(kafkajsPath) {
  const path = require('node:path');
  const root = path.dirname(kafkajsPath);
  const version = require(path.join(root, 'package.json')).version;
  if (version !== '2.2.4') return { installed: false, reason: 'kafkajs ' + version + ' is not the version this fix mirrors (2.2.4)' };
  const RequestQueue = require(path.join(root, 'src/network/requestQueue'));
  const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs's own, requestQueue/index.js
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests() {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL);
  };
  return { installed: true };
}
`;

export type RequestQueueFixResult = { installed: true } | { installed: false; reason: string };

const install = new Function('require', `${REQUEST_QUEUE_FIX_SOURCE}\nreturn installRequestQueueFix;`)(require) as (kafkajsPath: string) => RequestQueueFixResult;

/** Installs the fix in this thread's kafkajs (idempotent; any time, as it replaces a prototype method). */
export function installRequestQueueFix(kafkajsPath: string = require.resolve('kafkajs')): RequestQueueFixResult {
  return install(kafkajsPath);
}

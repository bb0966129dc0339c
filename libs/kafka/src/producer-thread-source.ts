import { FAST_PRODUCE_ENCODING_SOURCE } from './fast-produce-encoding-source';
import { REQUEST_QUEUE_FIX_SOURCE } from './request-queue-fix';

/**
 * `createPublishMessages(fastEncoding)` → `publishMessages(request)` → `{ messages, bytes }`: the kafkajs messages
 * of one publish (see the protocol below) and the approximate bytes of each, by which sends are cut at
 * `maxSendBytes`. Part of PRODUCER_THREAD_SOURCE; separate so that specs and benchmarks can evaluate it.
 *
 * Every message carries its key, its value and the headers ce_id (its own) first, then the static headers in
 * their order, then ce_time (the publish's): the order of the object `{ [idHeader]: id, ...template }`, which
 * both paths below build, so that they write the same bytes.
 *
 * With the fast encoders installed, the records are pre-encoded (fast-produce-encoding-source.ts,
 * preEncodeMessages) into one buffer per publish, with the shared headers encoded once: per message, kafkajs
 * then handles one small object instead of a value, a headers object and six header values (which it spread,
 * measured and copied one by one: most of this thread's CPU per message in ingest's profile).
 */
export const PUBLISH_MESSAGES_SOURCE = String.raw`
function createPublishMessages(fastEncoding) {
  // A record's prefix (length, attributes, deltas: at most 16 bytes) and its share of the batch and request
  // framing; the send limit is far below the broker's, so an approximation is enough.
  const RECORD_OVERHEAD = 64;

  const headerBuffers = new Map();
  function staticHeader(name, value) {
    const cacheKey = name + '\u0000' + value;
    let buffer = headerBuffers.get(cacheKey);
    if (buffer === undefined) {
      buffer = Buffer.from(value, 'utf8');
      headerBuffers.set(cacheKey, buffer);
    }
    return buffer;
  }

  /** The headers every message of the publish shares, in order: the static ones, then ce_time. */
  function sharedHeaders(request) {
    const headers = {};
    for (const [name, value] of Object.entries(request.staticHeaders)) headers[name] = staticHeader(name, value);
    headers[request.timeHeader] = Buffer.from(request.time, 'utf8'); // per publish, so not cached
    return headers;
  }

  function preEncodedMessages(request, shared, values) {
    const messages = fastEncoding.preEncodeMessages({
      keys: request.keys,
      values,
      valueOffsets: request.valueOffsets,
      headers: { [request.idHeader]: fastEncoding.PER_RECORD, ...shared },
      perRecordValues: request.ids,
    });
    if (messages === null) return null;
    const bytes = new Array(messages.length);
    for (let i = 0; i < messages.length; i++) bytes[i] = messages[i].value.length + RECORD_OVERHEAD;
    return { messages, bytes };
  }

  function plainMessages(request, shared, values) {
    const offsets = request.valueOffsets;
    const messages = new Array(request.keys.length);
    const bytes = new Array(request.keys.length);
    for (let i = 0; i < request.keys.length; i++) {
      const key = request.keys[i];
      const value = values.subarray(offsets[i], offsets[i + 1]);
      messages[i] = { key, value, headers: { [request.idHeader]: request.ids[i], ...shared } };
      bytes[i] = Buffer.byteLength(key) + value.length + request.headerBytes + RECORD_OVERHEAD;
    }
    return { messages, bytes };
  }

  return function publishMessages(request) {
    const shared = sharedHeaders(request);
    const values = Buffer.from(request.values); // a view of the transferred bytes, no copy
    return (fastEncoding.installed && preEncodedMessages(request, shared, values)) || plainMessages(request, shared, values);
  };
}
`;

/**
 * The code of WorkerThreadProducer's worker, as plain JavaScript that runs with `new Worker(code, { eval: true })`.
 *
 * TRICKY: a source string rather than a file, because services ship as one esbuild bundle (dist/services/<name>/
 * main.js, the only file the image copies) and Jest runs TypeScript through SWC: neither has a separate worker
 * file at run time. It only needs kafkajs, whose path the parent resolves and passes in `workerData`. Keep it
 * small; the integration test (worker-thread-producer.int-spec.ts) is what checks it.
 *
 * Protocol (parent → worker):
 *   { type: 'publish', id, topic, keys[], values: ArrayBuffer (transferred; UTF-8 of every value, back to back),
 *     valueOffsets: Uint32Array (n + 1 boundaries), ids[], idHeader, timeHeader, time, staticHeaders: {name: value},
 *     headerBytes }   (one publish = one call of publishSerialized; never empty)
 *   { type: 'stop' }
 * (worker → parent):
 *   { type: 'ready', fastEncoding } | { type: 'start-failed', error } | { type: 'acked', ids[] } | { type: 'failed', ids[], error }
 *   { type: 'connection', connected } | { type: 'log', level, namespace, log } | { type: 'stopped' }
 *
 * What it does beyond a plain send:
 *  - coalescing: publishes that arrive while a send is in flight go out together in the next one (the producer
 *    is idempotent with one request in flight, so concurrent sends would only queue anyway);
 *  - each publish's records are pre-encoded (key, value, headers) into one buffer, the headers it shares
 *    (ce_type, ce_source, ..., ce_time) encoded once, see PUBLISH_MESSAGES_SOURCE;
 *  - sends are cut at `maxSendBytes`, in order, and a publish is acknowledged as soon as its last slice is;
 *  - kafkajs's record encoding is replaced by byte-identical faster code (fast-produce-encoding-source.ts),
 *    installed before kafkajs loads, in this thread only.
 */
export const PRODUCER_THREAD_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
${FAST_PRODUCE_ENCODING_SOURCE}
const fastEncoding = installFastProduceEncoding(workerData.kafkajsPath);
${REQUEST_QUEUE_FIX_SOURCE}
const requestQueueFix = installRequestQueueFix(workerData.kafkajsPath);
const { Kafka, Partitioners } = require(workerData.kafkajsPath);

const post = (message) => parentPort.postMessage(message);
const describeError = (error) => ({
  name: (error && error.name) || 'Error',
  message: (error && error.message) || String(error),
  retriable: Boolean(error && error.retriable),
});

const kafka = new Kafka({
  ...workerData.clientOptions,
  logCreator: () => ({ level, namespace, log }) => {
    const { message, ...fields } = log;
    try {
      post({ type: 'log', level, namespace, log: { message, ...fields } });
    } catch {
      post({ type: 'log', level, namespace, log: { message: String(message) } });
    }
  },
});
const createPartitioner = fastEncoding.installed
  ? fastEncoding.createKeyHashPartitioner(Partitioners.DefaultPartitioner)
  : Partitioners.DefaultPartitioner;
if (!requestQueueFix.installed) {
  post({ type: 'log', level: 2, namespace: 'ProducerThread', log: { message: "kafkajs's request queue keeps its idle timer loop: " + requestQueueFix.reason } });
}
if (!fastEncoding.installed) {
  post({ type: 'log', level: 2, namespace: 'ProducerThread', log: { message: 'using stock kafkajs encoding: ' + fastEncoding.reason } });
}
const producer = kafka.producer({ ...workerData.producerOptions, createPartitioner });
producer.on(producer.events.CONNECT, () => post({ type: 'connection', connected: true }));
producer.on(producer.events.DISCONNECT, () => post({ type: 'connection', connected: false }));

${PUBLISH_MESSAGES_SOURCE}
const publishMessages = createPublishMessages(fastEncoding);

let queue = [];
let sending = false;
let stopping = false;

async function drain() {
  sending = true;
  try {
    while (queue.length > 0) {
      const topic = queue[0].topic;
      const taken = [];
      while (queue.length > 0 && queue[0].topic === topic) taken.push(queue.shift());
      await sendAll(topic, taken);
    }
  } finally {
    sending = false;
  }
}

async function sendAll(topic, requests) {
  let slice = [];
  let sliceBytes = 0;
  // Publishes whose messages are all in slices already sent, acknowledged after each send.
  let ackedUpTo = 0;
  const lastSliceOf = [];
  const sent = [];
  const flush = async () => {
    await producer.send({ topic, acks: -1, messages: slice });
    sent.push(slice.length);
    slice = [];
    sliceBytes = 0;
    const done = [];
    while (ackedUpTo < requests.length && lastSliceOf[ackedUpTo] < sent.length) done.push(requests[ackedUpTo++].id);
    if (done.length > 0) post({ type: 'acked', ids: done });
  };
  try {
    for (let r = 0; r < requests.length; r++) {
      const { messages, bytes } = publishMessages(requests[r]);
      // Pre-encoded messages hold copies of the values, so the transferred buffer need not live until the last
      // send of this call (plain messages keep it alive through their values anyway).
      requests[r].values = null;
      for (let i = 0; i < messages.length; i++) {
        if (slice.length > 0 && sliceBytes + bytes[i] > workerData.maxSendBytes) await flush();
        slice.push(messages[i]);
        sliceBytes += bytes[i];
      }
      // This publish is complete once the slice holding its last message (the current one, number sent.length:
      // a flush only ever happens before a message is added) has been sent. The parent never sends empty ones.
      lastSliceOf.push(sent.length);
    }
    if (slice.length > 0) await flush();
    else {
      const done = [];
      while (ackedUpTo < requests.length) done.push(requests[ackedUpTo++].id);
      if (done.length > 0) post({ type: 'acked', ids: done });
    }
  } catch (error) {
    post({ type: 'failed', ids: requests.slice(ackedUpTo).map((r) => r.id), error: describeError(error) });
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'publish') {
    if (stopping) {
      post({ type: 'failed', ids: [message.id], error: { name: 'KafkaJSProducerThreadStopping', message: 'producer thread is stopping', retriable: true } });
      return;
    }
    queue.push(message);
    if (!sending) void drain();
  } else if (message.type === 'stop') {
    stopping = true;
    void (async () => {
      while (sending || queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await producer.disconnect().catch(() => undefined);
      post({ type: 'stopped' });
    })();
  }
});

producer.connect().then(
  () => post({ type: 'ready', fastEncoding: fastEncoding.installed }),
  (error) => post({ type: 'start-failed', error: describeError(error) }),
);
`;

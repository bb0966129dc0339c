import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRootLogger } from '@attendance/observability';
import { GatewayMetrics } from '../health/gateway-metrics';
import { EdgeStore } from '../store/edge-store';
import type { RawRequestOutcome } from '../store/raw-request.repository';
import { OutboxRetention } from './outbox-retention';

const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'error' });
const day = 86_400_000;
const now = new Date('2026-06-10T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

// A real SQLite file with foreign keys on, as a site runs it: a raw request still referred to cannot be deleted.
describe('retention of raw requests', () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'raw-retention-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prunes a parsed request once all its punches are published and pruned, and keeps every request that still holds unsent, refused, quarantined, photo, pending or unparsed data', async () => {
    let punchNo = 0;
    const request = (name: string, options: { outcome?: RawRequestOutcome; receivedAgo?: number } = {}) =>
      store.rawRequests.insert({
        deviceSerial: 'DEV1',
        protocol: 'zk-push2',
        tableName: 'ATTLOG',
        query: name,
        body: Buffer.from(`body of ${name}`),
        receivedAt: ago(options.receivedAgo ?? 30 * day),
        outcome: options.outcome ?? 'parsed',
      });
    const punch = (rawRequestId: number, state: 'published-long-ago' | 'published-yesterday' | 'unsent' | 'refused') => {
      const eventId = `p${++punchNo}`;
      store.outbox.insert({ eventId, deviceSerial: 'DEV1', rawRequestId, payload: '{}', createdAt: ago(30 * day) });
      const id = (store.db.prepare('SELECT id FROM punch_outbox WHERE event_id = ?').get(eventId) as { id: number }).id;
      if (state === 'published-long-ago') store.outbox.markPublished([id], ago(10 * day));
      if (state === 'published-yesterday') store.outbox.markPublished([id], ago(1 * day));
      if (state === 'refused') store.outbox.markRejected(id, 'test: refused by the contract');
    };
    const ids: Record<string, number> = {};
    store.transaction(() => {
      ids.allPublished = request('allPublished');
      punch(ids.allPublished, 'published-long-ago');
      punch(ids.allPublished, 'published-long-ago');
      ids.oneUnsent = request('oneUnsent');
      punch(ids.oneUnsent, 'published-long-ago');
      punch(ids.oneUnsent, 'unsent');
      ids.publishedYesterday = request('publishedYesterday');
      punch(ids.publishedYesterday, 'published-yesterday');
      ids.quarantined = request('quarantined');
      store.quarantine.insert({ rawRequestId: ids.quarantined, deviceSerial: 'DEV1', lineNumber: 1, rawLine: Buffer.from('x'), reason: 'unparsable', detail: 'test', createdAt: ago(30 * day) });
      ids.pendingDevice = request('pendingDevice', { outcome: 'pending-device' });
      ids.unparsed = request('unparsed', { outcome: 'stored-unparsed' });
      ids.recent = request('recent', { receivedAgo: 1 * day });
      ids.noPunches = request('noPunches'); // e.g. every line a duplicate of a punch already stored
      ids.refused = request('refused');
      punch(ids.refused, 'refused');
      ids.photo = request('photo');
      store.db
        .prepare('INSERT INTO adms_photo (device_serial, raw_request_id, file_name, declared_size, image, received_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run('DEV1', ids.photo, 'a.jpg', 1, Buffer.from([0xff]), ago(30 * day));
    });
    // windows of 2 requests: the walk must continue across windows, not stop after the first
    const retention = new OutboxRetention(store, new GatewayMetrics(new Registry(), store), logger, { publishedRetentionMs: 7 * day, batchSize: 2 });
    const left = () => (store.db.prepare('SELECT query FROM raw_request ORDER BY id').all() as { query: string }[]).map((r) => r.query);

    expect(await retention.pruneOnce(now)).toEqual({ punches: 3, deviceEvents: 0, rawRequests: 2 });
    expect(left()).toEqual(['oneUnsent', 'publishedYesterday', 'quarantined', 'pendingDevice', 'unparsed', 'recent', 'refused', 'photo']);

    // A year later: what was only young goes too; what holds unsent, refused, quarantined, photo, pending or
    // unparsed data stays, whatever its age.
    expect(await retention.pruneOnce(new Date(now.getTime() + 365 * day))).toEqual({ punches: 1, deviceEvents: 0, rawRequests: 2 });
    expect(left()).toEqual(['oneUnsent', 'quarantined', 'pendingDevice', 'unparsed', 'refused', 'photo']);
    expect(store.outbox.backlog().count).toBe(1);
    expect(store.rawRequests.meta(ids.oneUnsent!)?.bodyBytes).toBe(Buffer.byteLength('body of oneUnsent'));
  });

  it('keeps everything when retention is off', async () => {
    store.rawRequests.insert({ deviceSerial: 'DEV1', protocol: 'zk-push2', tableName: 'ATTLOG', query: '', body: Buffer.from(''), receivedAt: ago(3650 * day), outcome: 'parsed' });
    const retention = new OutboxRetention(store, new GatewayMetrics(new Registry(), store), logger, { publishedRetentionMs: 0 });
    expect(await retention.pruneOnce(now)).toEqual({ punches: 0, deviceEvents: 0, rawRequests: 0 });
    expect((store.db.prepare('SELECT COUNT(*) AS n FROM raw_request').get() as { n: number }).n).toBe(1);
  });
});

import { REFERENCE_PULL_INITIAL_CURSOR } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { EdgeStore } from '../store/edge-store';
import { ReferenceCacheRepository, type ReferenceCounts, type ReferenceSyncState } from './reference-cache.repository';
import { ReferencePullClient, ReferencePullError, type ReferencePullClientOptions } from './reference-pull.client';
import { ReferenceReloadStaging } from './reference-reload-staging';

export interface ReferenceSyncOptions extends ReferencePullClientOptions {
  intervalMs: number;
  pageSize?: number;
  /** Upper bound of pages in one refresh, so a misbehaving server cannot keep us busy forever. */
  maxPagesPerRefresh?: number;
  /** First retry after a failed pull; doubles per failure up to intervalMs (so a link that comes back syncs soon). */
  retryMinMs?: number;
}

/** `full`: a reload from cursor 0 that replaced the whole cache; `removed`: cached rows the cloud no longer had. */
export type RefreshResult =
  | { ok: true; full: boolean; pages: number; changes: number; removed: number; cursor: string; serverTime: string | null }
  | { ok: false; full: boolean; pages: number; changes: number; removed: 0; cursor: string; error: string };

export interface ReferenceSyncStatus extends ReferenceSyncState {
  configured: boolean;
  url: string | null;
  intervalMs: number | null;
  refreshing: boolean;
  counts: ReferenceCounts;
}

/**
 * Keeps the read-only reference cache in step with sync-coordinator (DESIGN.md 6): on start, every
 * intervalMs, on reconnect (after a failed pull it retries with a doubling, jittered delay, so the first pull
 * after the link comes back is soon, not an interval later), and on demand (`refresh()`, e.g. for a "reload
 * roster" command). Follows `hasMore`; each page is
 * applied with its cursor in one transaction, so a failure mid-way keeps every page before it and retries from
 * there. `refresh({ full: true })` instead re-reads everything from cursor 0 and swaps the whole cache in one
 * transaction (ReferenceReloadStaging), dropping what the cloud no longer lists. Runs never overlap: a refresh
 * asked for while one is in flight shares it, except a full reload asked for during a delta pull, which runs
 * right after it. Without a configured pull it is inert (status says so).
 */
export class ReferenceSync {
  private readonly cache: ReferenceCacheRepository;
  private readonly client: ReferencePullClient | null;
  private readonly staging: ReferenceReloadStaging;
  private timer: NodeJS.Timeout | null = null;
  private running: { full: boolean; result: Promise<RefreshResult> } | null = null;
  /** A full reload waiting for the delta pull in flight to finish. */
  private queuedFull: Promise<RefreshResult> | null = null;
  private stopped = false;
  private consecutiveFailures = 0;

  constructor(
    store: EdgeStore,
    private readonly options: ReferenceSyncOptions | null,
    private readonly logger: Logger,
  ) {
    this.cache = new ReferenceCacheRepository(store.db);
    this.staging = new ReferenceReloadStaging(store.db, this.cache);
    this.client = options ? new ReferencePullClient(options) : null;
  }

  start(): void {
    if (!this.options || this.timer) return;
    this.stopped = false;
    const tick = () => {
      void this.refresh().then((result) => {
        if (!this.stopped) this.timer = setTimeout(tick, this.nextDelayMs(result.ok));
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops the schedule and waits for a refresh in flight (its page either commits or does not). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queuedFull?.catch(() => undefined);
    await this.running?.result.catch(() => undefined);
  }

  refresh(options: { full?: boolean } = {}): Promise<RefreshResult> {
    const full = options.full ?? false;
    const client = this.client;
    if (!client) return Promise.resolve({ ok: false, full, pages: 0, changes: 0, removed: 0, cursor: this.cache.state().cursor, error: 'reference pull is not configured (SYNC_COORDINATOR_URL)' });
    if (this.running && (this.running.full || !full)) return this.running.result;
    if (this.running) {
      // A delta pull is in flight: the reload waits for it, so the two never write the cache at once.
      this.queuedFull ??= this.running.result.then(() => {
        this.queuedFull = null;
        return this.refresh({ full: true });
      });
      return this.queuedFull;
    }
    const result = (full ? this.reloadAll(client) : this.pullAll(client)).finally(() => {
      this.running = null;
    });
    this.running = { full, result };
    return result;
  }

  /** The regular interval after a success; after failures a jittered, doubling retry capped at the interval. */
  private nextDelayMs(ok: boolean): number {
    const interval = this.options!.intervalMs;
    this.consecutiveFailures = ok ? 0 : this.consecutiveFailures + 1;
    if (ok) return interval;
    const base = Math.min(interval, (this.options!.retryMinMs ?? 5_000) * 2 ** Math.min(this.consecutiveFailures - 1, 20));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }

  status(): ReferenceSyncStatus {
    return {
      ...this.cache.state(),
      configured: this.options !== null,
      url: this.options?.url ?? null,
      intervalMs: this.options?.intervalMs ?? null,
      refreshing: this.running !== null || this.queuedFull !== null,
      counts: this.cache.counts(),
    };
  }

  private async pullAll(client: ReferencePullClient): Promise<RefreshResult> {
    const pageSize = this.options!.pageSize ?? 500;
    const maxPages = this.options!.maxPagesPerRefresh ?? 1000;
    let pages = 0;
    let changes = 0;
    let cursor = this.cache.state().cursor;
    let serverTime: string | null = null;
    try {
      for (;;) {
        const page = await client.fetchPage(cursor, pageSize);
        // A page fetched after stop() is dropped unapplied: the cursor did not move, it comes again next start.
        if (this.stopped) break;
        this.cache.applyPage(page, new Date().toISOString());
        pages++;
        changes += page.changes.length;
        cursor = page.nextCursor;
        serverTime = page.serverTime;
        if (!page.hasMore || pages >= maxPages) break;
      }
      this.logger.info({ pages, changes, cursor }, 'reference data synced');
      return { ok: true, full: false, pages, changes, removed: 0, cursor, serverTime };
    } catch (error) {
      return this.failed(error, { full: false, pages, changes, cursor });
    }
  }

  /**
   * Full reload: every page from cursor 0 is staged, and only once the last one (`hasMore: false`) is in, the
   * cache is replaced by what was staged in one transaction. A failure, a stop or a pull longer than
   * maxPagesPerRefresh leaves the cache and its cursor untouched (a cut-short reload cannot tell what was deleted).
   */
  private async reloadAll(client: ReferencePullClient): Promise<RefreshResult> {
    const pageSize = this.options!.pageSize ?? 500;
    const maxPages = this.options!.maxPagesPerRefresh ?? 1000;
    const kept = this.cache.state().cursor;
    let pages = 0;
    let changes = 0;
    let cursor = REFERENCE_PULL_INITIAL_CURSOR;
    this.staging.begin();
    try {
      for (;;) {
        const page = await client.fetchPage(cursor, pageSize);
        if (this.stopped) throw new Error('gateway stopping; full reload abandoned, cache kept as it was');
        this.staging.stage(page.changes);
        pages++;
        changes += page.changes.length;
        cursor = page.nextCursor;
        if (!page.hasMore) {
          const { removed } = this.staging.commit(cursor, page.serverTime, new Date().toISOString());
          this.logger.info({ pages, changes, removed, cursor }, 'reference data fully reloaded');
          return { ok: true, full: true, pages, changes, removed, cursor, serverTime: page.serverTime };
        }
        if (pages >= maxPages) throw new Error(`full reload needs more than ${maxPages} pages; cache kept as it was`);
      }
    } catch (error) {
      return this.failed(error, { full: true, pages, changes, cursor: kept });
    } finally {
      this.staging.discard();
    }
  }

  private failed(error: unknown, at: { full: boolean; pages: number; changes: number; cursor: string }): RefreshResult {
    const message = error instanceof ReferencePullError ? error.message : `reference sync failed: ${(error as Error).message}`;
    this.cache.recordFailure(message, new Date().toISOString());
    this.logger.warn({ err: error, pages: at.pages, cursor: at.cursor, full: at.full }, 'reference data pull failed; cache kept as it was, retried later');
    return { ok: false, ...at, removed: 0, error: message };
  }
}

import type { Logger } from '@attendance/observability';
import type { EdgeStore } from '../store/edge-store';
import { ReferenceCacheRepository, type ReferenceCounts, type ReferenceSyncState } from './reference-cache.repository';
import { ReferencePullClient, ReferencePullError, type ReferencePullClientOptions } from './reference-pull.client';

export interface ReferenceSyncOptions extends ReferencePullClientOptions {
  intervalMs: number;
  pageSize?: number;
  /** Upper bound of pages in one refresh, so a misbehaving server cannot keep us busy forever. */
  maxPagesPerRefresh?: number;
  /** First retry after a failed pull; doubles per failure up to intervalMs (so a link that comes back syncs soon). */
  retryMinMs?: number;
}

export type RefreshResult =
  | { ok: true; pages: number; changes: number; cursor: string; serverTime: string | null }
  | { ok: false; pages: number; changes: number; cursor: string; error: string };

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
 * there. Concurrent refreshes share one run. Without a configured pull it is inert (status says so).
 */
export class ReferenceSync {
  private readonly cache: ReferenceCacheRepository;
  private readonly client: ReferencePullClient | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RefreshResult> | null = null;
  private stopped = false;
  private consecutiveFailures = 0;

  constructor(
    store: EdgeStore,
    private readonly options: ReferenceSyncOptions | null,
    private readonly logger: Logger,
  ) {
    this.cache = new ReferenceCacheRepository(store.db);
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
    await this.running?.catch(() => undefined);
  }

  refresh(): Promise<RefreshResult> {
    if (!this.client) return Promise.resolve({ ok: false, pages: 0, changes: 0, cursor: this.cache.state().cursor, error: 'reference pull is not configured (SYNC_COORDINATOR_URL)' });
    this.running ??= this.pullAll(this.client).finally(() => {
      this.running = null;
    });
    return this.running;
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
      refreshing: this.running !== null,
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
      return { ok: true, pages, changes, cursor, serverTime };
    } catch (error) {
      const message = error instanceof ReferencePullError ? error.message : `reference sync failed: ${(error as Error).message}`;
      this.cache.recordFailure(message, new Date().toISOString());
      this.logger.warn({ err: error, pages, cursor }, 'reference data pull failed; cache kept as it was, retried later');
      return { ok: false, pages, changes, cursor, error: message };
    }
  }
}

import { multipartBoundary } from './content-type';
import { DigestAuthError, type DigestRequestInit } from './digest-http-client';
import { decodeEventPart, type PushedItem } from './isapi-event-body';
import { MultipartStreamParser } from './multipart-stream-parser';
import { ReconnectBackoff, type BackoffOptions } from './reconnect-backoff';
import { SerialTracker, type SerialObservation } from './serial-tracker';

/**
 * Holds `GET /ISAPI/Event/notification/alertStream` open (device-protocols.md §3.5) and hands each decoded
 * part to the caller, reconnecting forever with jittered backoff.
 *
 * - Liveness: any byte resets an idle watchdog. The device sends nothing on connect and may go silent after a
 *   restart without closing the socket (P7), so a silent stream is aborted after `idleTimeoutMs` and reopened.
 * - Handler first: the next chunk is read only after `onItem` resolved, so the caller's durable write paces the
 *   stream. A handler that throws ends the connection (reason `handler-error`); nothing is acknowledged to the
 *   device on this path anyway, and the caller's pull reconciliation recovers what was missed.
 * - After every reconnect the device replays buffered events (`currentEvent: false`): expect repeats, which
 *   the serial tracker reports as `repeat`; and the caller should run a pull by cursor (the `connected` state
 *   says `reconnect: true`), because events during the outage may not be replayed at all.
 * - A credential rejection waits `authRetryMs` (not the short backoff): every retry is a failed login, and
 *   Hikvision locks the account after a few.
 */
export const ALERT_STREAM_PATH = '/ISAPI/Event/notification/alertStream';

export type AlertStreamItem = PushedItem & { observation?: SerialObservation };

export type DisconnectReason = 'idle-timeout' | 'ended' | 'http-status' | 'not-multipart' | 'auth' | 'network' | 'handler-error';

export type AlertStreamState =
  | { type: 'connecting'; attempt: number }
  | { type: 'connected'; reconnect: boolean }
  | { type: 'disconnected'; reason: DisconnectReason; detail: string; retryInMs: number }
  | { type: 'stopped' };

export interface AlertStreamRequester {
  request(path: string, init?: DigestRequestInit): Promise<Response>;
}

export interface AlertStreamSubscriberOptions {
  client: AlertStreamRequester;
  path?: string;
  onItem: (item: AlertStreamItem) => Promise<void> | void;
  onState?: (state: AlertStreamState) => void;
  /** Silence after which the stream is presumed dead (default 120 s). */
  idleTimeoutMs?: number;
  /** Time to response headers (default 10 s). */
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** A connection that lasted this long resets the backoff (default 30 s). */
  stableAfterMs?: number;
  authRetryMs?: number;
  /** Last serial handled on this stream, so gap detection survives a restart. */
  lastSerialNo?: number | null;
}

class IdleTimeout extends Error {}
class HandlerFailure extends Error {}

export interface AlertStreamStats {
  connections: number;
  parts: number;
  accessEvents: number;
  heartbeats: number;
  otherEvents: number;
  pictures: number;
  undecodable: number;
  bytes: number;
}

export class AlertStreamSubscriber {
  private stopped = true;
  private controller: AbortController | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly tracker: SerialTracker;
  private readonly backoff: ReconnectBackoff;
  readonly stats: AlertStreamStats = { connections: 0, parts: 0, accessEvents: 0, heartbeats: 0, otherEvents: 0, pictures: 0, undecodable: 0, bytes: 0 };

  constructor(private readonly options: AlertStreamSubscriberOptions) {
    this.tracker = new SerialTracker(options.lastSerialNo ?? null);
    this.backoff = new ReconnectBackoff(options.backoff);
  }

  get lastSerialNo(): number | null {
    return this.tracker.lastSeen;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort(new Error('stopped'));
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let connectedBefore = false;
    while (!this.stopped) {
      attempt++;
      this.options.onState?.({ type: 'connecting', attempt });
      const outcome = await this.connectOnce(connectedBefore);
      connectedBefore ||= outcome.connected;
      if (this.stopped) break;
      if (outcome.connectedForMs >= (this.options.stableAfterMs ?? 30_000)) this.backoff.reset();
      const retryInMs = outcome.reason === 'auth' ? (this.options.authRetryMs ?? 300_000) : this.backoff.next();
      this.options.onState?.({ type: 'disconnected', reason: outcome.reason, detail: outcome.detail, retryInMs });
      await this.pause(retryInMs);
    }
    this.options.onState?.({ type: 'stopped' });
  }

  private async connectOnce(connectedBefore: boolean): Promise<{ reason: DisconnectReason; detail: string; connected: boolean; connectedForMs: number }> {
    const controller = new AbortController();
    this.controller = controller;
    const idleMs = this.options.idleTimeoutMs ?? 120_000;
    let idleTimer: NodeJS.Timeout | undefined;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(new IdleTimeout(`no bytes for ${idleMs} ms`)), idleMs);
    };
    let connectedAt: number | null = null;
    const result = (reason: DisconnectReason, detail: string) => ({
      reason,
      detail,
      connected: connectedAt !== null,
      connectedForMs: connectedAt === null ? 0 : Date.now() - connectedAt,
    });
    try {
      const response = await this.options.client.request(this.options.path ?? ALERT_STREAM_PATH, {
        method: 'GET',
        headers: { accept: 'multipart/mixed' },
        signal: controller.signal,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return result('http-status', `HTTP ${response.status}`);
      }
      const contentType = response.headers.get('content-type');
      const boundary = multipartBoundary(contentType);
      if (boundary === null || response.body === null) {
        await response.body?.cancel().catch(() => undefined);
        return result('not-multipart', `Content-Type "${contentType ?? ''}" has no multipart boundary`);
      }
      connectedAt = Date.now();
      this.stats.connections++;
      this.options.onState?.({ type: 'connected', reconnect: connectedBefore });
      const parser = new MultipartStreamParser(boundary);
      const reader = response.body.getReader();
      armIdle();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          const end = parser.end();
          return result('ended', end.closed ? 'the device closed the multipart stream' : 'the connection ended');
        }
        this.stats.bytes += value.length;
        armIdle();
        for (const part of parser.push(value)) await this.deliver(decodeEventPart(part));
        armIdle(); // a slow handler is not device silence
      }
    } catch (error) {
      const reason = controller.signal.reason as unknown;
      if (reason instanceof IdleTimeout) return result('idle-timeout', reason.message);
      if (error instanceof HandlerFailure) return result('handler-error', error.message);
      if (error instanceof DigestAuthError) return result('auth', error.message);
      return result('network', (error as Error).message ?? String(error));
    } finally {
      clearTimeout(idleTimer);
      controller.abort(); // releases the socket on every exit path
      if (this.controller === controller) this.controller = null;
    }
  }

  private async deliver(item: PushedItem): Promise<void> {
    this.stats.parts++;
    let delivered: AlertStreamItem = item;
    switch (item.kind) {
      case 'access-event':
        this.stats.accessEvents++;
        delivered = { ...item, observation: this.tracker.observe(item.event.serialNo, item.event.frontSerialNo) };
        break;
      case 'heartbeat':
        this.stats.heartbeats++;
        break;
      case 'other-event':
        this.stats.otherEvents++;
        break;
      case 'picture':
        this.stats.pictures++;
        break;
      case 'undecodable':
        this.stats.undecodable++;
        break;
    }
    try {
      await this.options.onItem(delivered);
    } catch (error) {
      throw new HandlerFailure(`onItem failed: ${(error as Error).message}`);
    }
  }

  private pause(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }
}

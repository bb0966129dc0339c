import { buildDigestAuthorization, newCnonce } from './digest-authorization';
import { selectDigestChallenge, type DigestChallenge } from './digest-challenge';

/**
 * HTTP client for one ISAPI device with Digest auth over fetch (undici), which has none of its own
 * (device-protocols.md §3.1). Fetch rather than a digest wrapper because alertStream needs the raw streaming
 * body, which `Response.body` gives us.
 *
 * Nonce handling: the first request goes out bare and answers the 401; later requests reuse the cached
 * challenge with an incrementing `nc`, so a poll costs one round trip. A 401 with `stale=true` (or one that
 * answers a cached, possibly expired nonce) is re-challenged once. A 401 that answers a challenge received
 * during the same call means the credentials are wrong: that throws immediately, never retries, because
 * Hikvision locks the account after a handful of failed logins and a retry loop would lock the gateway out.
 */
export interface DigestHttpClientOptions {
  /** `http://192.168.1.81`, optionally with a port; paths are resolved against it. */
  baseUrl: string;
  username: string;
  password: string;
  /** Time allowed until response headers arrive (the body of a stream may then flow for hours). */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  cnonce?: () => string;
}

export interface DigestRequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** Must be replayable (a 401 is answered by sending it again), hence no streams. */
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Overrides `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

export type DigestAuthFailure = 'credentials-rejected' | 'no-digest-challenge';

export class DigestAuthError extends Error {
  constructor(
    message: string,
    readonly reason: DigestAuthFailure,
    readonly wwwAuthenticate: string | null,
  ) {
    super(message);
    this.name = 'DigestAuthError';
  }
}

export class RequestTimeoutError extends Error {
  constructor(readonly url: string, readonly timeoutMs: number) {
    super(`no response from ${url} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface DigestClientStats {
  requests: number;
  /** 401s answered with a new challenge (first contact, stale or rotated nonces). */
  challenges: number;
  staleNonces: number;
  credentialRejections: number;
}

export class DigestHttpClient {
  private challenge: DigestChallenge | null = null;
  private nc = 0;
  private readonly fetchImpl: typeof fetch;
  private readonly cnonce: () => string;
  readonly stats: DigestClientStats = { requests: 0, challenges: 0, staleNonces: 0, credentialRejections: 0 };

  constructor(private readonly options: DigestHttpClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.cnonce = options.cnonce ?? newCnonce;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * Sends a request and returns the response with its body unread (stream it or read it). Throws
   * {@link DigestAuthError} when the device refuses the credentials, {@link RequestTimeoutError} when headers
   * do not arrive in time, and whatever fetch throws on network errors or abort.
   */
  async request(path: string, init: DigestRequestInit = {}): Promise<Response> {
    const url = new URL(path, this.options.baseUrl);
    const uri = `${url.pathname}${url.search}`;
    const method = (init.method ?? 'GET').toUpperCase();
    let fresh = false; // whether the challenge in use arrived during this call
    let rechallenges = 0;
    for (;;) {
      const challenge = this.challenge;
      const headers: Record<string, string> = { ...init.headers };
      if (challenge) {
        this.nc += 1;
        headers['authorization'] = buildDigestAuthorization(
          challenge,
          { username: this.options.username, password: this.options.password },
          { method, uri, ...(init.body !== undefined ? { body: init.body } : {}) },
          this.nc,
          this.cnonce(),
        );
      }
      this.stats.requests++;
      const response = await this.send(url, method, headers, init);
      if (response.status !== 401) return response;

      await response.body?.cancel().catch(() => undefined);
      const header = response.headers.get('www-authenticate');
      const offered = selectDigestChallenge(header);
      if (offered === null) {
        throw new DigestAuthError(`${method} ${uri}: 401 without a usable Digest challenge`, 'no-digest-challenge', header);
      }
      const retry = challenge === null || offered.stale || !fresh;
      if (!retry || rechallenges >= 2) {
        this.challenge = null;
        this.stats.credentialRejections++;
        throw new DigestAuthError(`${method} ${uri}: the device rejected the credentials of user "${this.options.username}"`, 'credentials-rejected', header);
      }
      if (offered.stale) this.stats.staleNonces++;
      this.stats.challenges++;
      this.challenge = offered;
      this.nc = 0;
      fresh = true;
      rechallenges++;
    }
  }

  /**
   * A request whose whole exchange (headers and body) must finish within the timeout; the body is read as text
   * and parsed as JSON when it is JSON. `json` is `undefined` for a non-JSON or empty body.
   */
  async requestText(path: string, init: DigestRequestInit = {}): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
    const timeoutMs = init.timeoutMs ?? this.options.requestTimeoutMs ?? 10_000;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new RequestTimeoutError(path, timeoutMs)), timeoutMs);
    try {
      const signal = init.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal;
      const response = await this.request(path, { ...init, signal, timeoutMs });
      const text = await response.text();
      return { status: response.status, text, json: parseJsonOrUndefined(text), headers: response.headers };
    } catch (error) {
      if (deadline.signal.aborted) throw deadline.signal.reason as Error;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(url: URL, method: string, headers: Record<string, string>, init: DigestRequestInit): Promise<Response> {
    const timeoutMs = init.timeoutMs ?? this.options.requestTimeoutMs ?? 10_000;
    // Our own controller, not AbortSignal.timeout(): the timer must stop once headers arrive, or it would cut a
    // healthy alertStream body. Aborting the controller later still cancels the body stream.
    const headersDeadline = new AbortController();
    const timer = setTimeout(() => headersDeadline.abort(new RequestTimeoutError(url.href, timeoutMs)), timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, headersDeadline.signal]) : headersDeadline.signal;
    try {
      return await this.fetchImpl(url, { method, headers, signal, ...(init.body !== undefined ? { body: init.body } : {}) });
    } catch (error) {
      if (headersDeadline.signal.aborted) throw headersDeadline.signal.reason as Error;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseJsonOrUndefined(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

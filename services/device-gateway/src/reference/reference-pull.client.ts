import { REFERENCE_PULL_PATH, ReferencePullResponseSchema, type ReferenceChange, type ReferencePullResponse } from '@attendance/contracts';
import type { Secret } from '../config/secret';

/** A page could not be fetched or was not one we may apply; nothing of it reached the cache. */
export class ReferencePullError extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'http' | 'invalid-payload',
  ) {
    super(message);
    this.name = 'ReferencePullError';
  }
}

export interface ReferencePullClientOptions {
  /** sync-coordinator base URL, e.g. https://sync.example.com */
  url: string;
  token: Secret;
  /** Whose data we expect: a page for another tenant or gateway is refused, not cached. */
  tenantId: string;
  gatewayId: string;
  timeoutMs?: number;
}

const entityKey = (change: ReferenceChange): string | null => {
  if (change.op === 'delete') return null;
  switch (change.entity) {
    case 'site':
      return change.site.siteId;
    case 'device':
      return change.device.deviceSerial;
    case 'employee':
      return change.employee.employeeId;
  }
};

/**
 * `GET <url>/api/v1/sync/pull?since=&limit=` with the gateway's bearer token. Every page is validated with the
 * contract's zod schema AND checked for what the schema cannot see (tenant, gateway, ids that match their rows,
 * a cursor that moves), before anything is applied.
 */
export class ReferencePullClient {
  constructor(private readonly options: ReferencePullClientOptions) {}

  async fetchPage(since: string, limit: number): Promise<ReferencePullResponse> {
    const url = new URL(`${this.options.url.replace(/\/+$/, '')}${REFERENCE_PULL_PATH}`);
    url.searchParams.set('since', since);
    url.searchParams.set('limit', String(limit));
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${this.options.token.reveal()}`, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new ReferencePullError(`sync-coordinator unreachable at ${url.origin}: ${(error as Error).message}`, 'unreachable');
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new ReferencePullError(`sync-coordinator answered ${response.status}: ${text.slice(0, 300)}`, 'http');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ReferencePullError('pull response is not JSON', 'invalid-payload');
    }
    const parsed = ReferencePullResponseSchema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ReferencePullError(`pull response refused: ${problems}`, 'invalid-payload');
    }
    this.checkSemantics(parsed.data, since);
    return parsed.data;
  }

  private checkSemantics(page: ReferencePullResponse, since: string): void {
    const refuse = (why: string) => {
      throw new ReferencePullError(`pull response refused: ${why}`, 'invalid-payload');
    };
    if (page.tenantId !== this.options.tenantId) refuse(`tenant ${page.tenantId} is not this gateway's tenant ${this.options.tenantId}`);
    if (page.gatewayId !== this.options.gatewayId) refuse(`page is for gateway ${page.gatewayId}, not ${this.options.gatewayId}`);
    for (const change of page.changes) {
      const key = entityKey(change);
      if (key !== null && key !== change.id) refuse(`${change.entity} change ${change.id} carries the row of ${key}`);
    }
    // NOTE: cursors are decimal change numbers today (contract); a page that does not move forward while it
    // claims more would make us loop forever.
    if (BigInt(page.nextCursor) < BigInt(since)) refuse(`nextCursor ${page.nextCursor} is behind since ${since}`);
    if (page.hasMore && page.nextCursor === since) refuse('hasMore without a new cursor');
  }
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const changedAt = '2026-11-30T10:00:00.000Z';

type Change = Record<string, unknown> & { cursor: string };

/**
 * A small real HTTP server that speaks the pull contract (libs/contracts http/reference-pull): changes in
 * cursor order after `since`, `limit` per page, `hasMore`. Tests append changes and can make a page fail or
 * come back malformed.
 */
export class FakeSyncCoordinator {
  readonly changes: Change[] = [];
  readonly requests: { since: string; limit: number; authorization: string | undefined }[] = [];
  /** One-shot answers instead of a page, for the request with this `since`. */
  readonly failAt = new Map<string, { status: number; body: unknown }>();
  /** Awaited before each page is answered (a test can look at the gateway's cache mid-pull). */
  beforeReply: (since: string) => Promise<void> | void = () => undefined;
  private server!: Server;
  private nextCursor = 1;
  url = '';

  constructor(
    private readonly identity: { token: string; tenantId: string; gatewayId: string },
  ) {}

  add(change: Record<string, unknown>): void {
    this.changes.push({ ...change, cursor: String(this.nextCursor++), changedAt });
  }

  /** Drops every change of `id` from the log, as if compacted away (no tombstone: only a full reload notices). */
  forget(id: string): void {
    for (let i = this.changes.length - 1; i >= 0; i--) if (this.changes[i]!.id === id) this.changes.splice(i, 1);
  }

  employee(id: string, name: string, code = id.replace(/\D/g, '') || '1'): void {
    this.add({ entity: 'employee', op: 'upsert', id, employee: { employeeId: id, code, name, status: 'active' } });
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const since = url.searchParams.get('since') ?? '0';
    const limit = Number(url.searchParams.get('limit') ?? '500');
    this.requests.push({ since, limit, authorization: req.headers.authorization });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (url.pathname !== '/api/v1/sync/pull') return reply(404, { message: 'no such route' });
    if (req.headers.authorization !== `Bearer ${this.identity.token}`) return reply(401, { message: 'unknown gateway token' });
    await this.beforeReply(since);
    const failure = this.failAt.get(since);
    if (failure) {
      this.failAt.delete(since);
      return reply(failure.status, failure.body);
    }
    const after = this.changes.filter((c) => BigInt(c.cursor) > BigInt(since));
    const page = after.slice(0, limit);
    reply(200, { tenantId: this.identity.tenantId, gatewayId: this.identity.gatewayId, changes: page, nextCursor: page.at(-1)?.cursor ?? since, hasMore: after.length > limit, serverTime: new Date().toISOString() });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

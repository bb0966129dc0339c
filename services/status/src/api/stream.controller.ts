import { Controller, type MessageEvent, Req, Sse, UseGuards } from '@nestjs/common';
import { filter, finalize, interval, map, merge, type Observable } from 'rxjs';
import { StatusMetrics } from '../metrics/status-metrics';
import { TransitionFeed } from '../transitions/transition-feed';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard';

const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/v1/stream`: Server-Sent Events for dashboards, one `device-health` event per transition of the
 * caller's tenant (the ops.device.health.v1 value), plus a `keepalive` every 15 s so proxies keep it open.
 */
@Controller('api/v1')
@UseGuards(ApiKeyGuard)
export class StreamController {
  constructor(
    private readonly feed: TransitionFeed,
    private readonly metrics: StatusMetrics,
  ) {}

  @Sse('stream')
  stream(@Req() request: AuthenticatedRequest): Observable<MessageEvent> {
    const tenantId = request.principal!.tenantId;
    this.metrics.sseClients.inc();
    const transitions = this.feed.events.pipe(
      filter((event) => event.tenantId === tenantId),
      map((event): MessageEvent => ({ type: 'device-health', id: event.eventId, data: event })),
    );
    const keepalive = interval(KEEPALIVE_MS).pipe(map((): MessageEvent => ({ type: 'keepalive', data: { at: new Date().toISOString() } })));
    return merge(transitions, keepalive).pipe(finalize(() => this.metrics.sseClients.dec()));
  }
}

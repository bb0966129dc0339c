import { Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { EdgeStore } from '../store/edge-store';
import { AdminTokenGuard } from './admin-token.guard';
import { QuarantineIdParamSchema, QuarantineQuerySchema } from './local-api.schema';
import { readableText, toQuarantineItemView, type QuarantineItemView } from './quarantine-view';
import { parseOrBadRequest } from '@attendance/http-api';

type RawRequestMeta = NonNullable<ReturnType<EdgeStore['rawRequests']['meta']>>;

/** Lines the gateway could not turn into punches, with their raw bytes and why (DESIGN.md 3.4). */
@Controller('api/v1/quarantine')
@UseGuards(AdminTokenGuard)
export class QuarantineController {
  constructor(@Inject(EdgeStore) private readonly store: EdgeStore) {}

  @Get()
  list(@Query() query: unknown): { items: QuarantineItemView[]; nextBefore: number | null; total: number } {
    const { limit, before, device } = parseOrBadRequest(QuarantineQuerySchema, query, 'query');
    const lines = this.store.quarantine.page({ beforeId: before, deviceSerial: device, limit: limit + 1 });
    const items = lines.slice(0, limit).map(toQuarantineItemView);
    return { items, nextBefore: lines.length > limit ? items[items.length - 1]!.id : null, total: this.store.quarantine.count(device) };
  }

  @Get(':id')
  get(@Param('id') rawId: string): QuarantineItemView & { text: string; rawRequest: RawRequestMeta | null } {
    const id = parseOrBadRequest(QuarantineIdParamSchema, rawId, 'quarantine id');
    const line = this.store.quarantine.get(id);
    if (!line) throw new NotFoundException(`no quarantined line ${id}`);
    return { ...toQuarantineItemView(line), text: readableText(line.rawLine), rawRequest: this.store.rawRequests.meta(line.rawRequestId) };
  }
}

import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Post, Query, Req, UseGuards } from '@nestjs/common';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { ApiKeyGuard, type AuthenticatedRequest } from './api-key.guard';
import { batchRequestSchema, type BatchResponse } from './punch-batch.schema';
import { PunchBatchService } from './punch-batch.service';
import { decodeCursor, encodeCursor, PunchQuerySchema } from './punch-query.schema';
import { PunchQueryRepository, type StoredPunch } from './punch-query.repository';
import { parseOrBadRequest } from '@attendance/http-api';

/** HTTP for agents and integrators; thin: parse, call one service, shape the answer. */
@Controller('api/v1/punches')
@UseGuards(ApiKeyGuard)
export class PunchesController {
  private readonly batchSchema;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    private readonly batches: PunchBatchService,
    private readonly queries: PunchQueryRepository,
  ) {
    this.batchSchema = batchRequestSchema(config.INGEST_HTTP_BATCH_MAX);
  }

  @Post('batch')
  @HttpCode(200)
  submitBatch(@Req() request: AuthenticatedRequest, @Body() body: unknown): Promise<BatchResponse> {
    const { punches } = parseOrBadRequest(this.batchSchema, body, 'batch');
    return this.batches.submit(request.principal!, punches);
  }

  @Get()
  async list(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown): Promise<{ items: StoredPunch[]; nextCursor: string | null }> {
    const query = parseOrBadRequest(PunchQuerySchema, rawQuery, 'query');
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    if (query.cursor && !after) throw new BadRequestException('cursor is not one this API returned');
    const rows = await this.queries.page(request.principal!.tenantId, query, after);
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > query.limit && last ? encodeCursor({ punchedAt: last.punchedAt, eventId: last.eventId }) : null };
  }
}

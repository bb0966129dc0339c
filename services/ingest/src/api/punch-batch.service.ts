import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { punchEventId, resolveLocalTime, TOPICS, type PunchRawV1 } from '@attendance/contracts';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { IngestKafka } from '../kafka/ingest-kafka';
import type { ApiPrincipal } from './api-key.guard';
import { AgentPunchSchema, type BatchRecordResult, type BatchResponse } from './punch-batch.schema';
import { issuesOf } from '@attendance/http-api';

/** Clock skew tolerated on an agent's receivedAt before we call it the future. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * `POST /api/v1/punches/batch`: validates each record, derives identity/eventId/UTC exactly like the
 * gateway, and publishes the valid ones to `attendance.punch.raw.v1`, so they take the same road (dedupe,
 * accepted event) as everything else. Answers only after the broker acknowledged them.
 */
@Injectable()
export class PunchBatchService {
  constructor(
    private readonly kafka: IngestKafka,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async submit(principal: ApiPrincipal, records: unknown[]): Promise<BatchResponse> {
    const now = new Date();
    const results: BatchRecordResult[] = [];
    const punches: PunchRawV1[] = [];
    records.forEach((record, index) => {
      const built = this.build(principal, record, now);
      if ('errors' in built) results.push({ index, status: 'rejected', errors: built.errors });
      else {
        punches.push(built.punch);
        results.push({ index, status: 'accepted', eventId: built.punch.eventId });
      }
    });
    if (punches.length > 0) {
      try {
        await this.kafka.producer.publish(TOPICS.punchRaw, punches);
      } catch (error) {
        this.logger.warn({ err: error, keyId: principal.keyId, count: punches.length }, 'batch not published; client should retry');
        throw new ServiceUnavailableException('the punch stream is unavailable; nothing was accepted, retry the same batch');
      }
    }
    return { accepted: punches.length, rejected: results.length - punches.length, results };
  }

  private build(principal: ApiPrincipal, record: unknown, now: Date): { punch: PunchRawV1 } | { errors: { path: string; message: string }[] } {
    const parsed = AgentPunchSchema.safeParse(record);
    if (!parsed.success) return { errors: issuesOf(parsed.error) };
    const agent = parsed.data;
    let resolved: ReturnType<typeof resolveLocalTime>;
    try {
      resolved = resolveLocalTime(agent.localTime, agent.timeZone);
    } catch (error) {
      return { errors: [{ path: 'localTime', message: (error as Error).message }] };
    }
    const receivedAt = agent.receivedAt ?? now.toISOString();
    if (Date.parse(receivedAt) > now.getTime() + FUTURE_TOLERANCE_MS) return { errors: [{ path: 'receivedAt', message: 'is in the future' }] };
    if (Date.parse(resolved.punchedAt) > now.getTime() + 24 * 60 * 60 * 1000) {
      return { errors: [{ path: 'localTime', message: 'is more than a day in the future' }] };
    }
    const { raw, ...rest } = agent;
    const punch: PunchRawV1 = {
      eventId: punchEventId({ tenantId: principal.tenantId, deviceSerial: agent.deviceSerial, deviceUserId: agent.deviceUserId, localTime: resolved.localTime }),
      tenantId: principal.tenantId,
      siteId: agent.siteId,
      gatewayId: `agent-${principal.keyId}`.toLowerCase(),
      deviceSerial: agent.deviceSerial,
      protocol: 'agent',
      deviceUserId: agent.deviceUserId,
      localTime: resolved.localTime,
      timeZone: agent.timeZone,
      punchedAt: resolved.punchedAt,
      direction: agent.direction ?? 'unknown',
      directionRaw: agent.directionRaw ?? null,
      verifyMode: agent.verifyMode ?? 'unknown',
      verifyModeRaw: agent.verifyModeRaw ?? null,
      workCode: agent.workCode ?? null,
      source: 'agent',
      receivedAt,
      deviceCursor: agent.deviceCursor ?? null,
      flags: { clockSuspect: false, dstAmbiguous: resolved.kind === 'ambiguous', dstGap: resolved.kind === 'gap' },
      raw: raw ?? JSON.stringify(rest),
    };
    const checked = TOPICS.punchRaw.schema.safeParse(punch);
    return checked.success ? { punch: checked.data } : { errors: issuesOf(checked.error) };
  }
}

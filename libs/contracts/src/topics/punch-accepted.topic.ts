import { z } from 'zod';
import { defineTopic } from '../topic-contract';
import { InstantSchema } from '../schemas/time.schema';
import { checkPunch, punchShape } from './punch-fields';
import { tenantScopedKey } from './topic-keys';
import type { PunchRawV1 } from './punch-raw.topic';

/**
 * A punch as stored in the cloud after deduplication: the fields of the copy that was stored first, plus when
 * it was accepted. Emitted once per eventId by ingest's outbox relay; delivery is at least once, so consumers
 * dedupe on eventId (it is also the CloudEvents `ce_id`).
 *
 * Unknown fields: passthrough, for the same reason as the raw topic: extra fields of the stored punch travel
 * on to integrators without ingest having to know them.
 */
export const PunchAcceptedV1Schema = z
  .looseObject({
    ...punchShape,
    acceptedAt: InstantSchema.describe('When ingest committed the deduplicated row (cloud clock)'),
    firstSeenAt: InstantSchema.describe(
      'Earliest receivedAt among the copies ingest had seen when it accepted the punch (edge clock); equals receivedAt for a single copy',
    ),
  })
  .superRefine(checkPunch)
  .describe('Accepted punch');
export type PunchAcceptedV1 = z.infer<typeof PunchAcceptedV1Schema>;

export const PunchAcceptedTopic = defineTopic({
  name: 'attendance.punch.accepted.v1',
  version: 1,
  description:
    'Deduplicated punches as stored in the cloud, emitted once per eventId by the ingest outbox relay (at-least-once delivery, stable id). Punches with source=backfill are recovered data.',
  schema: PunchAcceptedV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.deviceSerial),
  keyDescription: '`${tenantId}:${deviceSerial}`: all punches of a device in one partition, in order',
  producers: ['ingest (outbox relay)'],
  consumers: ['status', 'sync-coordinator', 'integrators'],
});

/**
 * Builds the accepted event of a raw punch that has already passed {@link PunchRawV1Schema}. The accepted
 * schema is the raw one plus `acceptedAt` and `firstSeenAt`, so only those two are checked here: the result
 * satisfies {@link PunchAcceptedV1Schema} by construction (a property test holds this function to that).
 * Ingest uses it so that each punch is validated once on its way through, not twice.
 */
export function acceptPunch(raw: PunchRawV1, meta: { acceptedAt: string; firstSeenAt: string }): PunchAcceptedV1 {
  return { ...raw, acceptedAt: InstantSchema.parse(meta.acceptedAt), firstSeenAt: InstantSchema.parse(meta.firstSeenAt) };
}

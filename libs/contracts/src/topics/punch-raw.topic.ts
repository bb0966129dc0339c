import { z } from 'zod';
import { defineTopic } from '../topic-contract';
import { checkPunch, punchShape } from './punch-fields';
import { tenantScopedKey } from './topic-keys';

/**
 * A punch as read from a device, before cloud deduplication.
 *
 * Unknown fields: passthrough. Ingest stores the punch and re-emits it as accepted; edge gateways upgrade
 * weeks after the cloud, and the reverse happens too, so a field added by a newer gateway (e.g. PUSH 2.4.2
 * `TimeOffset`) must survive an older ingest instead of being stripped on the way to integrators. Adding a
 * field is only allowed if ignoring it is harmless; anything else is a v2.
 */
export const PunchRawV1Schema = z.looseObject(punchShape).superRefine(checkPunch).describe('Raw punch');
export type PunchRawV1 = z.infer<typeof PunchRawV1Schema>;

export const PunchRawTopic = defineTopic({
  name: 'attendance.punch.raw.v1',
  version: 1,
  description:
    'Punches read from devices by gateways (push, pull, realtime, backfill) and by agents through the ingest HTTP batch API; at least once, duplicates expected, deduplicated by eventId in ingest.',
  schema: PunchRawV1Schema,
  key: (value) => tenantScopedKey(value.tenantId, value.deviceSerial),
  keyDescription: '`${tenantId}:${deviceSerial}`: all punches of a device in one partition, in order',
  producers: ['device-gateway', 'ingest (HTTP batch API for agents)'],
  consumers: ['ingest'],
});

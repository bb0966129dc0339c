import { z } from 'zod';
import { DeviceHealthStateSchema, TOPICS } from '@attendance/contracts';
import { deviceQuerySchema } from './device-query.schema';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

const Problem = { type: 'object', properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } } };
const ByState = { type: 'object', additionalProperties: { type: 'integer' }, description: 'Count per health state' };
const Reason = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } };
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type, nullable: true, ...extra });
const errors = {
  '400': { description: 'Invalid input', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '401': { description: 'Missing or wrong API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
};
const ok = (description: string, body: Record<string, unknown>) => ({ '200': { description, content: { 'application/json': { schema: body } } }, ...errors });

const Device = {
  type: 'object',
  properties: {
    deviceSerial: { type: 'string' },
    siteId: { type: 'string' },
    gatewayId: nullable('string'),
    state: { type: 'string', enum: DeviceHealthStateSchema.options },
    stateSince: nullable('string', { format: 'date-time' }),
    reasons: { type: 'array', items: Reason },
    lastContactAt: nullable('string', { format: 'date-time' }),
    lastContactMinutesAgo: nullable('integer'),
    lastSyncedAt: nullable('string', { format: 'date-time' }),
    lastSyncedMinutesAgo: nullable('integer'),
    lastSyncedText: { type: 'string', example: 'synced 4 minutes ago' },
    lastPunchAt: nullable('string', { format: 'date-time' }),
    counts: {
      type: 'object',
      properties: { punchesAccepted: { type: 'integer' }, recoveredByBackfill: { type: 'integer' }, waitingAtEdge: { type: 'integer' }, quarantinedLines: { type: 'integer' } },
    },
    backlogOldestAgeSeconds: nullable('number'),
    clockSkewSeconds: nullable('number'),
    capacity: { type: 'object', nullable: true, properties: { usedRatio: nullable('number'), recordsUsed: nullable('integer'), recordsMax: nullable('integer') } },
    lastErrorClass: nullable('string'),
    failedCommandsInRow: { type: 'integer' },
    lastSync: { type: 'object', nullable: true, description: 'Last command result about the device (backfill, verify-count)' },
    completeUpTo: nullable('string', { format: 'date-time' }),
  },
};

/**
 * The OpenAPI document of status' ops API, built from the same zod schemas that validate the requests.
 * Served at `/api/docs` (UI) and `/api/docs-json`.
 */
export function buildStatusOpenApi(version: string, pageMax: number): Record<string, unknown> {
  const query = schema(deviceQuerySchema(pageMax));
  const props = (query.properties ?? {}) as Record<string, Record<string, unknown>>;
  return {
    openapi: '3.0.3',
    info: {
      title: 'status API',
      version,
      description:
        'Per-device sync health of the fleet for cloud ops. Authenticate with `x-api-key: <keyId>.<secret>`; every request is scoped to the key\'s tenant. ' +
        'States: healthy (online), degraded, unhealthy, offline, unknown.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { Problem, Device, DeviceHealthEvent: schema(TOPICS.deviceHealth.schema) },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/api/v1/fleet/summary': {
        get: {
          summary: 'Devices by state for the tenant and each site; gateways by state',
          responses: ok('Summary', {
            type: 'object',
            properties: {
              tenantId: { type: 'string' },
              generatedAt: { type: 'string', format: 'date-time' },
              devices: { type: 'object', properties: { total: { type: 'integer' }, byState: ByState, sites: { type: 'array', items: { type: 'object', properties: { siteId: { type: 'string' }, total: { type: 'integer' }, byState: ByState } } } } },
              gateways: { type: 'object', properties: { total: { type: 'integer' }, byState: ByState } },
            },
          }),
        },
      },
      '/api/v1/sites/{siteId}/summary': {
        get: {
          summary: 'Devices by state at one site',
          parameters: [{ name: 'siteId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { ...ok('Site summary', { type: 'object', properties: { siteId: { type: 'string' }, total: { type: 'integer' }, byState: ByState } }), '404': { description: 'No device known at that site' } },
        },
      },
      '/api/v1/devices': {
        get: {
          summary: 'Devices, filtered by site and/or state, in cursor pages ordered by serial',
          parameters: Object.entries(props).map(([name, s]) => ({ name, in: 'query', required: false, schema: s })),
          responses: ok('A page', { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Device' } }, nextCursor: nullable('string') } }),
        },
      },
      '/api/v1/devices/{serial}': {
        get: {
          summary: 'One device with its recent transitions',
          parameters: [{ name: 'serial', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            ...ok('Device detail', {
              allOf: [
                { $ref: '#/components/schemas/Device' },
                { type: 'object', properties: { recentTransitions: { type: 'array', items: { type: 'object', properties: { changedAt: { type: 'string', format: 'date-time' }, from: nullable('string'), to: { type: 'string' }, reasons: { type: 'array', items: { type: 'string' } } } } } } },
              ],
            }),
            '404': { description: 'Unknown device (or another tenant\'s)' },
          },
        },
      },
      '/api/v1/gateways': {
        get: { summary: 'Gateways with their health, last heartbeat, uplink, backlog and disk', responses: ok('Gateways', { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }) },
      },
      '/api/v1/stream': {
        get: {
          summary: 'Server-Sent Events: `device-health` per transition of the tenant (DeviceHealthEvent), `keepalive` every 15 s',
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/DeviceHealthEvent' } } } }, '401': errors['401'] },
        },
      },
    },
  };
}

import { z } from 'zod';
import { DeviceListQuerySchema, DeviceSerialParamSchema, QuarantineIdParamSchema, QuarantineQuerySchema } from './local-api.schema';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

const queryParameters = (s: z.ZodType) => {
  const shape = schema(s);
  const required = new Set((shape.required as string[] | undefined) ?? []);
  return Object.entries((shape.properties ?? {}) as Record<string, Record<string, unknown>>).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: property,
    description: property.description,
  }));
};
const pathParameter = (name: string, s: z.ZodType) => ({ name, in: 'path', required: true, schema: schema(s), description: s.description });

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const problem = (description: string) => ({ description, content: json('Problem') });
const guarded = {
  '401': { description: 'Missing or wrong admin token' },
  '503': { description: 'GATEWAY_ADMIN_TOKEN is not set: the local API is disabled' },
};

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type, nullable: true, ...extra });
const DeviceSchema = {
  type: 'object',
  properties: {
    serial: { type: 'string' },
    name: nullable('string'),
    protocol: { type: 'string' },
    configured: { type: 'boolean', description: 'Listed in the gateway config file' },
    seen: { type: 'boolean', description: 'Has contacted this gateway' },
    status: { type: 'string', enum: ['approved', 'pending'] },
    approvedAt: nullable('string', { format: 'date-time', description: 'Set when approved through this API' }),
    timeZone: nullable('string', { description: 'Zone its punches are resolved in (null while pending)' }),
    firstSeenAt: nullable('string', { format: 'date-time' }),
    lastContactAt: nullable('string', { format: 'date-time' }),
    pushVersion: nullable('string'),
    lastPunch: {
      type: 'object',
      nullable: true,
      properties: {
        receivedAt: { type: 'string', format: 'date-time' },
        deviceUserId: { type: 'string' },
        employeeName: nullable('string', { description: 'From the reference-data cache' }),
        localTime: { type: 'string' },
        punchedAt: { type: 'string', format: 'date-time' },
        direction: { type: 'string' },
      },
    },
    backlog: { $ref: '#/components/schemas/Backlog' },
    pendingRequests: { type: 'integer', description: 'Raw requests stored while pending; replayed on approval' },
    quarantined: { type: 'integer' },
    health: {
      type: 'object',
      nullable: true,
      description: 'Kept by the protocol adapters (DESIGN.md 3.7)',
      properties: {
        reachable: nullable('boolean', { description: 'Pull-mode devices: last connection attempt succeeded' }),
        lastContactAt: nullable('string', { format: 'date-time' }),
        lastPunchAt: nullable('string', { format: 'date-time' }),
        clockSkewSeconds: nullable('number', { description: 'Device clock minus gateway clock (positive: device ahead)' }),
        clockSkewState: nullable('string'),
        clockCheckedAt: nullable('string', { format: 'date-time' }),
        capacity: { type: 'object', nullable: true, properties: { used: nullable('integer'), max: nullable('integer'), level: nullable('string') } },
        lastError: { type: 'object', nullable: true, properties: { message: { type: 'string' }, at: nullable('string', { format: 'date-time' }) } },
        lastReconciledAt: nullable('string', { format: 'date-time' }),
        recoveredTotal: nullable('integer'),
        firmware: nullable('string'),
        pushGeneration: nullable('string'),
        enrolledUsers: nullable('integer'),
      },
    },
  },
};
const BacklogSchema = {
  type: 'object',
  properties: { unsent: { type: 'integer' }, oldestCreatedAt: nullable('string', { format: 'date-time' }), oldestAgeSeconds: nullable('integer') },
};
const QuarantineItemSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    deviceSerial: { type: 'string' },
    rawRequestId: { type: 'integer' },
    lineNumber: { type: 'integer' },
    reason: { type: 'string' },
    detail: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    rawBase64: { type: 'string', format: 'byte', description: 'The line exactly as received' },
    rawBytes: { type: 'integer' },
    textExcerpt: { type: 'string', description: 'UTF-8 with control bytes as \\xNN, at most 200 characters' },
  },
};
const ReferenceStatusSchema = {
  type: 'object',
  properties: {
    configured: { type: 'boolean', description: 'SYNC_COORDINATOR_URL is set' },
    url: nullable('string'),
    intervalMs: nullable('integer'),
    cursor: { type: 'string', description: 'Change cursor the cache is at' },
    serverTime: nullable('string', { format: 'date-time', description: "Server clock of the last applied page" }),
    syncedAt: nullable('string', { format: 'date-time', description: 'When the last page was applied here' }),
    lastAttemptAt: nullable('string', { format: 'date-time' }),
    lastError: nullable('string'),
    refreshing: { type: 'boolean' },
    counts: { type: 'object', properties: { sites: { type: 'integer' }, devices: { type: 'integer' }, employees: { type: 'integer' } } },
  },
};
const ProblemSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** OpenAPI of the gateway's local API (served at /api/docs), with request parameters from the validating zod schemas. */
export function buildGatewayOpenApi(version: string, extraPaths: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'device-gateway local API',
      version,
      description:
        'The on-site API behind the local dashboard; it works with the internet down. Authenticate with ' +
        '`Authorization: Bearer <GATEWAY_ADMIN_TOKEN>`. /health/* and /metrics are open.',
    },
    components: {
      securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } },
      schemas: { Device: DeviceSchema, Backlog: BacklogSchema, QuarantineItem: QuarantineItemSchema, ReferenceStatus: ReferenceStatusSchema, Problem: ProblemSchema },
    },
    security: [{ adminToken: [] }],
    paths: {
      '/api/v1/devices': {
        get: {
          summary: 'Configured and seen devices with their state',
          parameters: queryParameters(DeviceListQuerySchema),
          responses: {
            '200': { description: 'Devices by serial', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Device' } } } } } } },
            '400': problem('Invalid query'),
            ...guarded,
          },
        },
      },
      '/api/v1/devices/pending': {
        get: {
          summary: 'Devices seen on the LAN but not approved: their data is kept raw and not forwarded',
          responses: { '200': { description: 'Pending devices', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Device' } } } } } } }, ...guarded },
        },
      },
      '/api/v1/devices/{serial}': {
        get: {
          summary: 'One device',
          parameters: [pathParameter('serial', DeviceSerialParamSchema)],
          responses: { '200': { description: 'The device', content: json('Device') }, '400': problem('Invalid serial'), '404': { description: 'Unknown device' }, ...guarded },
        },
      },
      '/api/v1/devices/{serial}/approve': {
        post: {
          summary: 'Approve a pending device; what it sent while pending is parsed and forwarded',
          description:
            'Durable and idempotent: the approval is stored in SQLite (not in the config file) together with the punches ' +
            'parsed from the raw requests kept while pending, in one transaction; approving again changes nothing. ' +
            'Until the device is added to the config file it uses the site time zone.',
          parameters: [pathParameter('serial', DeviceSerialParamSchema)],
          responses: {
            '200': {
              description: 'Approval outcome and the device',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      approval: {
                        type: 'object',
                        properties: {
                          serial: { type: 'string' },
                          newlyApproved: { type: 'boolean' },
                          approvedAt: nullable('string', { format: 'date-time' }),
                          timeZone: { type: 'string' },
                          replayedRequests: { type: 'integer' },
                          punches: { type: 'integer' },
                          quarantined: { type: 'integer' },
                          users: { type: 'integer', description: 'OPERLOG user records replayed into the device user list' },
                          audits: { type: 'integer', description: 'OPLOG audit operations replayed as device events' },
                          keptPending: { type: 'integer' },
                        },
                      },
                      device: { $ref: '#/components/schemas/Device' },
                    },
                  },
                },
              },
            },
            '400': problem('Invalid serial'),
            '404': { description: 'The serial never contacted this gateway' },
            ...guarded,
          },
        },
      },
      '/api/v1/backlog': {
        get: {
          summary: 'Punches waiting to be sent to the cloud, overall and per device',
          responses: {
            '200': {
              description: 'Backlog',
              content: {
                'application/json': {
                  schema: {
                    allOf: [
                      { $ref: '#/components/schemas/Backlog' },
                      {
                        type: 'object',
                        properties: {
                          rejected: { type: 'integer', description: 'Rows set aside because the contract refused them (kept)' },
                          devices: { type: 'array', items: { allOf: [{ $ref: '#/components/schemas/Backlog' }, { type: 'object', properties: { serial: { type: 'string' } } }] } },
                        },
                      },
                    ],
                  },
                },
              },
            },
            ...guarded,
          },
        },
      },
      '/api/v1/quarantine': {
        get: {
          summary: 'Quarantined lines, newest first, keyset-paged',
          parameters: queryParameters(QuarantineQuerySchema),
          responses: {
            '200': {
              description: 'A page; pass nextBefore as before for the next one (null: last page)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { items: { type: 'array', items: { $ref: '#/components/schemas/QuarantineItem' } }, nextBefore: nullable('integer'), total: { type: 'integer' } },
                  },
                },
              },
            },
            '400': problem('Invalid query'),
            ...guarded,
          },
        },
      },
      '/api/v1/quarantine/{id}': {
        get: {
          summary: 'One quarantined line with its full text and the request it came in',
          parameters: [pathParameter('id', QuarantineIdParamSchema)],
          responses: { '200': { description: 'The line', content: json('QuarantineItem') }, '400': problem('Invalid id'), '404': { description: 'Unknown id' }, ...guarded },
        },
      },
      '/api/v1/presence': {
        get: {
          summary: 'Who is in the building: each person\'s last punch today (site zone); inside after in, break-in, overtime-in',
          responses: {
            '200': {
              description: 'People who punched today, newest first',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      date: { type: 'string', description: 'YYYY-MM-DD in the site zone' },
                      timeZone: { type: 'string' },
                      since: { type: 'string', format: 'date-time' },
                      insideCount: { type: 'integer' },
                      people: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            deviceUserId: { type: 'string' },
                            employeeName: nullable('string', { description: 'From the reference-data cache' }),
                            deviceSerial: { type: 'string' },
                            punchedAt: { type: 'string', format: 'date-time' },
                            localTime: { type: 'string' },
                            direction: { type: 'string' },
                            punchesToday: { type: 'integer' },
                            inside: { type: 'boolean' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            ...guarded,
          },
        },
      },
      '/api/v1/reference': {
        get: {
          summary: '"Last synced" of the reference-data cache (sites, devices, employees from sync-coordinator)',
          responses: { '200': { description: 'Sync state', content: json('ReferenceStatus') }, ...guarded },
        },
      },
      '/api/v1/reference/refresh': {
        post: {
          summary: 'Pull reference data now (follows hasMore); a failed page keeps the cache and its cursor as they were',
          parameters: [
            {
              name: 'full',
              in: 'query',
              required: false,
              description: 'true: re-read everything from cursor 0 and swap the whole cache in one transaction (what the cloud no longer lists is dropped)',
              schema: { type: 'string', enum: ['true', 'false'], default: 'false' },
            },
          ],
          responses: {
            '200': {
              description: 'Outcome (ok false with the error when the pull failed) and the sync state',
              content: { 'application/json': { schema: { type: 'object', properties: { result: { type: 'object', additionalProperties: true }, status: { $ref: '#/components/schemas/ReferenceStatus' } } } } },
            },
            ...guarded,
          },
        },
      },
      ...extraPaths,
    },
  };
}

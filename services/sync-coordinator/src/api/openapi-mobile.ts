import { z } from 'zod';
import type { SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { MobileSyncRecordSchema, ResolveConflictSchema } from '../mobile-sync/mobile-sync.schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

const RecordResultSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer' },
    localId: { type: 'string' },
    status: { type: 'string', enum: ['created', 'updated', 'duplicate', 'conflict', 'error'] },
    recordId: { type: 'string', format: 'uuid' },
    version: { type: 'integer', description: 'Version of the server record after the sync' },
    conflict: {
      type: 'object',
      properties: {
        reasons: { type: 'array', items: { type: 'string', enum: ['version-mismatch', 'time-difference'] } },
        resolution: { type: 'string', enum: ['server-kept', 'client-applied', 'queued'] },
        conflictId: { type: 'string', format: 'uuid', description: 'Queue entry (strategy manual)' },
        server: { type: 'object', description: 'The server record as it was before this sync' },
      },
    },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/** Mobile sync schemas of the OpenAPI document. */
export function mobileOpenApiSchemas(): Record<string, unknown> {
  return { MobileSyncRecord: schema(MobileSyncRecordSchema), MobileRecordResult: RecordResultSchema, ResolveConflict: schema(ResolveConflictSchema) };
}

export function mobileOpenApiPaths(config: SyncCoordinatorConfig): Record<string, unknown> {
  const window = `${config.SYNC_MOBILE_RATE_LIMIT} requests per ${config.SYNC_MOBILE_RATE_WINDOW_SECONDS} s`;
  return {
    '/api/v1/attendance/sync': {
      post: {
        tags: ['Mobile'],
        summary: `Sync up to ${config.SYNC_MOBILE_MAX_BATCH} offline clock-in/out records; per-record results`,
        description:
          'A record without recordId is new (a resend with the same deviceId and clientTimestamp is a duplicate). A record with ' +
          'recordId updates your own record; it conflicts when syncVersion is not the server version or its time differs by more than ' +
          `${config.SYNC_MOBILE_CONFLICT_WINDOW_SECONDS} s, and its strategy decides: server_wins (default) keeps the server record, ` +
          'client_wins applies yours with the version bumped, manual queues it for an admin. Timestamps in the future and facilities ' +
          `outside the token's facilities are errors. Rate limit: ${window} per user (429 with Retry-After).`,
        security: [{ mobileJwt: [] }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['records'],
                properties: { records: { type: 'array', minItems: 1, maxItems: config.SYNC_MOBILE_MAX_BATCH, items: { $ref: '#/components/schemas/MobileSyncRecord' } } },
              },
            },
          },
        },
        responses: {
          '200': {
            description: '{ syncedAt, summary, results }',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    syncedAt: { type: 'string', format: 'date-time' },
                    summary: { type: 'object', additionalProperties: { type: 'integer' } },
                    results: { type: 'array', items: { $ref: '#/components/schemas/MobileRecordResult' } },
                  },
                },
              },
            },
          },
          '400': { description: 'Invalid envelope', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
          '401': { description: 'Missing or invalid JWT' },
          '429': { description: 'Rate limit reached', headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds until a request is admitted' } } },
        },
      },
    },
    '/api/v1/admin/mobile/conflicts': {
      get: {
        tags: ['Mobile'],
        summary: 'Conflicts queued by strategy manual',
        parameters: [
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'resolved'], default: 'pending' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: { '200': { description: '{ items }' }, '401': { description: 'Missing or wrong API key' } },
      },
    },
    '/api/v1/admin/mobile/conflicts/{conflictId}/resolve': {
      post: {
        tags: ['Mobile'],
        summary: 'Keep the server record or apply the client one (version bumped); the record is then published',
        parameters: [{ name: 'conflictId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ResolveConflict' } } } },
        responses: { '200': { description: '{ conflict, record }' }, '404': { description: 'No such conflict in your tenant' }, '409': { description: 'Resolved already' } },
      },
    },
  };
}

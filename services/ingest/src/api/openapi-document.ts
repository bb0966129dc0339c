import { z } from 'zod';
import { TOPICS } from '@attendance/contracts';
import { AgentPunchSchema } from './punch-batch.schema';
import { PunchQuerySchema } from './punch-query.schema';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;

const ProblemSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

/**
 * The OpenAPI document of ingest's HTTP API, generated from the same zod schemas that validate requests, so
 * the documentation cannot drift from the behaviour. Served at `/api/docs` (UI) and `/api/docs-json`.
 */
export function buildIngestOpenApi(version: string, batchMax: number): Record<string, unknown> {
  const queryShape = schema(PunchQuerySchema);
  const queryProps = (queryShape.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((queryShape.required as string[] | undefined) ?? []);
  const storedPunch = schema(TOPICS.punchAccepted.schema);
  return {
    openapi: '3.0.3',
    info: {
      title: 'ingest API',
      version,
      description:
        'Punch submission for agents that cannot speak Kafka, and punch queries for ops and integrators. ' +
        'Authenticate with `x-api-key: <keyId>.<secret>`; every request is scoped to the key\'s tenant.',
    },
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { AgentPunch: schema(AgentPunchSchema), StoredPunch: storedPunch, Problem: ProblemSchema },
    },
    security: [{ apiKey: [] }],
    paths: {
      '/api/v1/punches/batch': {
        post: {
          summary: `Submit up to ${batchMax} punches; per-record results`,
          description:
            'Valid records are published to attendance.punch.raw.v1 and answered only after the broker acknowledged them; ' +
            'they are then deduplicated like every other punch (resending a batch is safe). Invalid records are rejected ' +
            'one by one with their problems; the others proceed. 503 means nothing was accepted: retry the same batch.',
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['punches'],
                  properties: { punches: { type: 'array', minItems: 1, maxItems: batchMax, items: { $ref: '#/components/schemas/AgentPunch' } } },
                },
              },
            },
          },
          responses: {
            '200': {
              description: 'Per-record results (status accepted with eventId, or rejected with errors)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      accepted: { type: 'integer' },
                      rejected: { type: 'integer' },
                      results: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            index: { type: 'integer' },
                            status: { type: 'string', enum: ['accepted', 'rejected'] },
                            eventId: { type: 'string', format: 'uuid' },
                            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            '400': { description: 'The envelope is invalid', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
            '401': { description: 'Missing or wrong API key' },
            '413': { description: 'Body too large' },
            '503': { description: 'Punch stream unavailable; nothing accepted' },
          },
        },
      },
      '/api/v1/punches': {
        get: {
          summary: 'Stored (deduplicated) punches of the key\'s tenant in a UTC window, ordered by punchedAt, cursor-paginated',
          parameters: Object.entries(queryProps).map(([name, property]) => ({
            name,
            in: 'query',
            required: required.has(name),
            schema: property,
            description: property.description,
          })),
          responses: {
            '200': {
              description: 'A page of punches; pass nextCursor back as cursor for the next page (null: last page)',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      items: { type: 'array', items: { $ref: '#/components/schemas/StoredPunch' } },
                      nextCursor: { type: 'string', nullable: true },
                    },
                  },
                },
              },
            },
            '400': { description: 'Invalid query', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
            '401': { description: 'Missing or wrong API key' },
          },
        },
      },
    },
  };
}

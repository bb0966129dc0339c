import { z } from 'zod';
import { ReferencePullResponseSchema } from '@attendance/contracts';
import type { SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { DevicePutSchema, EmployeeCreateSchema, EmployeePatchSchema, GatewayCreateSchema, SitePutSchema } from '../directory/directory.schemas';
import { edgeSyncOpenApiPaths, edgeSyncOpenApiSchemas } from '../reconciliation/openapi-edge-sync';
import { mobileOpenApiPaths, mobileOpenApiSchemas } from './openapi-mobile';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: unknown) => ({ 'application/json': { schema: s } });
const problem = (description: string) => ({ description, content: json(ref('Problem')) });
const adminErrors = { '400': problem('Invalid input; `issues` names each problem'), '401': problem('Missing or wrong API key') };

const ProblemSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const listParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  { name: 'after', in: 'query', schema: { type: 'string' }, description: 'Last id of the previous page' },
];

/** CRUD of one directory resource whose item is replaced with PUT. */
function putResource(tag: string, param: string, body: string) {
  return {
    get: { tags: [tag], summary: `One ${tag.toLowerCase()}`, parameters: [pathParam(param)], responses: { '200': { description: 'Found' }, '404': problem('Not found (or another tenant\'s)'), ...adminErrors } },
    put: {
      tags: [tag],
      summary: `Create (201) or replace (200) a ${tag.toLowerCase()}`,
      parameters: [pathParam(param)],
      requestBody: { required: true, content: json(ref(body)) },
      responses: { '200': { description: 'Replaced' }, '201': { description: 'Created' }, '422': problem('Names a site or gateway the tenant does not have'), ...adminErrors },
    },
    delete: { tags: [tag], summary: `Delete (gateways pull a tombstone)`, parameters: [pathParam(param)], responses: { '204': { description: 'Deleted' }, '404': problem('Not found'), '409': problem('Still in use'), ...adminErrors } },
  };
}

/**
 * The OpenAPI document of sync-coordinator's HTTP API, generated from the zod schemas that validate the
 * requests (and, for the pull, from the contract the gateway parses with). Served at `/api/docs`.
 */
export function buildSyncCoordinatorOpenApi(config: SyncCoordinatorConfig): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'sync-coordinator API',
      version: config.SERVICE_VERSION,
      description:
        'The directory of the edge (admin, `x-api-key: <keyId>.<secret>`, scoped to the key\'s tenant), the reference-data ' +
        'pull for gateways (`Authorization: Bearer <gateway token>`) and the mobile offline sync (`Authorization: Bearer <JWT>`).',
    },
    components: {
      securitySchemes: {
        adminKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        gatewayToken: { type: 'http', scheme: 'bearer', description: 'Token issued by POST /api/v1/admin/gateways' },
        mobileJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256; claims sub (employee id), tid (tenant), facilities (site ids), exp' },
      },
      schemas: {
        Problem: ProblemSchema,
        SitePut: schema(SitePutSchema),
        DevicePut: schema(DevicePutSchema),
        GatewayCreate: schema(GatewayCreateSchema),
        EmployeeCreate: schema(EmployeeCreateSchema),
        EmployeePatch: schema(EmployeePatchSchema),
        ReferencePullResponse: schema(ReferencePullResponseSchema),
        ...mobileOpenApiSchemas(),
        ...edgeSyncOpenApiSchemas(config),
      },
    },
    security: [{ adminKey: [] }],
    paths: {
      '/api/v1/admin/tenant': {
        get: { tags: ['Tenant'], summary: 'The key\'s tenant (name, latest reference-data cursor)', responses: { '200': { description: '{ tenantId, name, latestCursor }' }, ...adminErrors } },
        put: {
          tags: ['Tenant'],
          summary: 'Rename the key\'s tenant',
          requestBody: { required: true, content: json({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }) },
          responses: { '200': { description: 'Renamed' }, ...adminErrors },
        },
      },
      '/api/v1/admin/sites': { get: { tags: ['Sites'], summary: 'Sites of the tenant, by id', parameters: listParams, responses: { '200': { description: '{ items }' }, ...adminErrors } } },
      '/api/v1/admin/sites/{siteId}': putResource('Sites', 'siteId', 'SitePut'),
      '/api/v1/admin/devices': { get: { tags: ['Devices'], summary: 'Devices of the tenant, by serial', parameters: listParams, responses: { '200': { description: '{ items }' }, ...adminErrors } } },
      '/api/v1/admin/devices/{serial}': putResource('Devices', 'serial', 'DevicePut'),
      '/api/v1/admin/gateways': {
        get: { tags: ['Gateways'], summary: 'Gateways of the tenant', parameters: listParams, responses: { '200': { description: '{ items }' }, ...adminErrors } },
        post: {
          tags: ['Gateways'],
          summary: 'Enrol a gateway; the answer holds its bearer token, shown this once',
          requestBody: { required: true, content: json(ref('GatewayCreate')) },
          responses: { '201': { description: '{ gateway, token }' }, '409': problem('Gateway id taken (ids are global)'), '422': problem('Unknown site'), ...adminErrors },
        },
      },
      '/api/v1/admin/gateways/{gatewayId}': {
        get: { tags: ['Gateways'], summary: 'One gateway (with lastPullAt)', parameters: [pathParam('gatewayId')], responses: { '200': { description: 'Found' }, '404': problem('Not found'), ...adminErrors } },
        delete: { tags: ['Gateways'], summary: 'Revoke the gateway\'s token', parameters: [pathParam('gatewayId')], responses: { '204': { description: 'Revoked' }, '404': problem('Not found'), ...adminErrors } },
      },
      '/api/v1/admin/gateways/{gatewayId}/rotate-token': {
        post: { tags: ['Gateways'], summary: 'Issue a new token; the old one stops working', parameters: [pathParam('gatewayId')], responses: { '200': { description: '{ gateway, token }' }, '404': problem('Not found'), ...adminErrors } },
      },
      '/api/v1/admin/employees': {
        get: { tags: ['Employees'], summary: 'Employees of the tenant, by id', parameters: listParams, responses: { '200': { description: '{ items }' }, ...adminErrors } },
        post: { tags: ['Employees'], summary: 'Create an employee', requestBody: { required: true, content: json(ref('EmployeeCreate')) }, responses: { '201': { description: 'Created' }, '409': problem('Code enrolled for another employee'), ...adminErrors } },
      },
      '/api/v1/admin/employees/import': {
        post: {
          tags: ['Employees'],
          summary: `Import employees from CSV (header code,name[,status][,employeeId]; up to ${config.SYNC_CSV_IMPORT_MAX_ROWS} rows)`,
          description: 'Rows are matched by code: created, updated or unchanged; bad rows are reported with line and reasons and the rest are applied in one transaction.',
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
          responses: { '200': { description: '{ total, created, updated, unchanged, failed, rows: [{ line, code, employeeId, outcome, errors? }] }' }, '413': problem('Too many rows'), ...adminErrors },
        },
      },
      '/api/v1/admin/employees/{employeeId}': {
        get: { tags: ['Employees'], summary: 'One employee', parameters: [pathParam('employeeId')], responses: { '200': { description: 'Found' }, '404': problem('Not found'), ...adminErrors } },
        patch: { tags: ['Employees'], summary: 'Change code, name or status', parameters: [pathParam('employeeId')], requestBody: { required: true, content: json(ref('EmployeePatch')) }, responses: { '200': { description: 'Changed' }, '404': problem('Not found'), '409': problem('Code taken'), ...adminErrors } },
        delete: { tags: ['Employees'], summary: 'Delete (gateways pull a tombstone)', parameters: [pathParam('employeeId')], responses: { '204': { description: 'Deleted' }, '404': problem('Not found'), ...adminErrors } },
      },
      '/api/v1/sync/pull': {
        get: {
          tags: ['Edge'],
          summary: 'Reference-data changes of the gateway\'s tenant after a cursor',
          security: [{ gatewayToken: [] }],
          parameters: [
            { name: 'since', in: 'query', schema: { type: 'string', default: '0' }, description: 'nextCursor of the previous pull' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: config.SYNC_PULL_MAX_LIMIT } },
          ],
          responses: { '200': { description: 'A page of changes', content: json(ref('ReferencePullResponse')) }, '400': problem('Bad cursor or limit'), '401': problem('Missing, unknown or revoked token') },
        },
      },
      ...mobileOpenApiPaths(config),
      ...edgeSyncOpenApiPaths(config),
    },
  };
}

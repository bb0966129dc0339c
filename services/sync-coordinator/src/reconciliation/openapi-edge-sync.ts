import { z } from 'zod';
import { CompletenessV1Schema } from '@attendance/contracts';
import type { SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { repullRequestSchema } from './repull.schema';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'openapi-3.0', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: unknown) => ({ 'application/json': { schema: s } });
const problem = (description: string) => ({ description, content: json(ref('Problem')) });
const adminErrors = { '400': problem('Invalid input; `issues` names each problem'), '401': problem('Missing or wrong API key') };
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

const window = { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } };
const RunReportSchema = {
  type: 'object',
  properties: {
    runId: { type: 'string', format: 'uuid' },
    deviceSerial: { type: 'string' },
    siteId: { type: 'string' },
    gatewayId: { type: 'string' },
    trigger: { type: 'string', enum: ['schedule', 'operator'] },
    requestedBy: { type: 'string', nullable: true, description: 'api-key:<keyId> for an operator; null for the scheduler' },
    window,
    status: { type: 'string', enum: ['running', 'succeeded', 'partial', 'failed'] },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time', nullable: true },
    durationMs: { type: 'integer', nullable: true },
    error: { type: 'string', nullable: true },
    report: {
      type: 'object',
      properties: {
        found: { type: 'integer', description: 'Punches the device returned for the re-read windows' },
        new: { type: 'integer', description: 'Of those, punches the gateway did not have ("recovered")' },
        quarantined: { type: 'integer' },
        windowsVerified: { type: 'integer', description: 'Device-hours whose device count equals the cloud count' },
        windowsMismatched: { type: 'integer' },
        errors: { type: 'array', items: { type: 'object', properties: { commandId: { type: 'string' }, type: { type: 'string' }, outcome: { type: 'string' }, class: { type: 'string' }, message: { type: 'string' } } } },
        hours: { type: 'array', items: { type: 'object', properties: { hour: { type: 'string' }, device: { type: 'integer' }, cloud: { type: 'integer' } } } },
      },
    },
    commands: { type: 'array', items: { type: 'object', properties: { commandId: { type: 'string' }, type: { type: 'string' }, reason: { type: 'string', nullable: true }, window, outcome: { type: 'string', nullable: true } } } },
  },
};

/** Schemas of the reconciliation, completeness and lease endpoints. */
export function edgeSyncOpenApiSchemas(config: SyncCoordinatorConfig): Record<string, unknown> {
  return { RepullRequest: schema(repullRequestSchema(config.SYNC_REPULL_MAX_DAYS)), RunReport: RunReportSchema, Completeness: schema(CompletenessV1Schema) };
}

export function edgeSyncOpenApiPaths(config: SyncCoordinatorConfig): Record<string, unknown> {
  return {
    '/api/v1/admin/devices/{serial}/repull': {
      post: {
        tags: ['Reconciliation'],
        summary: `Re-pull a device for [from, to) (up to ${config.SYNC_REPULL_MAX_DAYS} days); answers the run id at once`,
        description: 'Sends backfill commands (split to the command contract\'s longest window) to the gateway holding the device. Poll the run for its report.',
        parameters: [pathParam('serial')],
        requestBody: { required: true, content: json(ref('RepullRequest')) },
        responses: { '202': { description: '{ runId, status: running }' }, '404': problem('Unknown device'), '409': problem('No gateway reaches the device now'), ...adminErrors },
      },
    },
    '/api/v1/admin/devices/{serial}/reconciliation-runs': {
      get: { tags: ['Reconciliation'], summary: 'The device\'s latest runs (scheduled and operator), newest first', parameters: [pathParam('serial')], responses: { '200': { description: '{ items: RunReport[] }' }, ...adminErrors } },
    },
    '/api/v1/admin/reconciliation-runs/{runId}': {
      get: { tags: ['Reconciliation'], summary: 'One run: status, window, counts, errors, commands', parameters: [pathParam('runId')], responses: { '200': { description: 'The run', content: json(ref('RunReport')) }, '404': problem('Not found (or another tenant\'s)'), ...adminErrors } },
    },
    '/api/v1/admin/completeness': {
      get: { tags: ['Completeness'], summary: 'Completeness watermark of every site of the tenant', responses: { '200': { description: '{ items: Completeness[] }' }, ...adminErrors } },
    },
    '/api/v1/admin/sites/{siteId}/completeness': {
      get: { tags: ['Completeness'], summary: 'A site is complete up to T when all its devices are reconciled up to T', parameters: [pathParam('siteId')], responses: { '200': { description: 'As published on attendance.completeness.v1', content: json(ref('Completeness')) }, '404': problem('No device of the site tracked yet'), ...adminErrors } },
    },
    '/api/v1/admin/leases': {
      get: {
        tags: ['Leases'],
        summary: `Pull leases of the tenant's pull-mode devices (TTL ${config.SYNC_LEASE_TTL_SECONDS} s, fencing token per device)`,
        responses: { '200': { description: '{ items: [{ deviceSerial, siteId, holderGatewayId, leaseId, fencingToken, grantedAt, renewedAt, expiresAt, active, previousGatewayId }] }' }, ...adminErrors },
      },
    },
  };
}

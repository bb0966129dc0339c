import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';

/**
 * Demo credentials of one `npm run stack` run: made fresh at every start (never committed, never logged), handed
 * to the services as env vars and written to a git-ignored file (mode 600) so the operator can call the APIs.
 */
export interface DemoCredentials {
  tenantId: string;
  gatewayAdminToken: string;
  apiKeys: { ingest: string; status: string; sync: string };
  /** The `keyId:tenantId:sha256` entries the services are configured with. */
  apiKeyEntries: { ingest: string; status: string; sync: string };
}

export function makeDemoCredentials(tenantId: string): DemoCredentials {
  const key = (keyId: string) => {
    const secret = randomBytes(18).toString('base64url');
    return { header: `${keyId}.${secret}`, entry: `${keyId}:${tenantId}:${createHash('sha256').update(secret).digest('hex')}` };
  };
  const ingest = key('demo-ingest');
  const status = key('demo-status');
  const sync = key('demo-admin');
  return {
    tenantId,
    gatewayAdminToken: randomBytes(24).toString('base64url'),
    apiKeys: { ingest: ingest.header, status: status.header, sync: sync.header },
    apiKeyEntries: { ingest: ingest.entry, status: status.entry, sync: sync.entry },
  };
}

export function writeDemoCredentials(path: string, credentials: DemoCredentials, gatewaySyncToken: string): void {
  const lines = [
    '# Demo credentials of the running `npm run stack` (new at every start). Source this file to use them:',
    `GATEWAY_ADMIN_TOKEN=${credentials.gatewayAdminToken}   # gateway dashboard http://127.0.0.1:8080 and /api/v1 (Bearer)`,
    `INGEST_API_KEY=${credentials.apiKeys.ingest}   # x-api-key for http://127.0.0.1:3001/api/v1`,
    `SYNC_ADMIN_API_KEY=${credentials.apiKeys.sync}   # x-api-key for http://127.0.0.1:3002/api/v1/admin`,
    `STATUS_API_KEY=${credentials.apiKeys.status}   # x-api-key for http://127.0.0.1:3003/api/v1`,
    `GATEWAY_SYNC_TOKEN=${gatewaySyncToken}   # the demo gateway's token for the reference-data pull`,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

interface DemoSite {
  siteId: string;
  name: string;
  timeZone: string;
}
interface DemoDevice {
  serial: string;
  name: string;
  timeZoneOverride: string | null;
}

/**
 * Registers the demo site, gateway, devices and employees in sync-coordinator's directory (idempotent: PUTs,
 * and a token rotation when the gateway exists from an earlier run), so that reconciliation, leases and the
 * reference-data pull have something to work on. Returns the gateway's bearer token for the pull.
 */
export async function registerDemoDirectory(options: {
  baseUrl: string;
  apiKey: string;
  site: DemoSite;
  gatewayId: string;
  devices: DemoDevice[];
  employees: number;
}): Promise<string> {
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: unknown }> => {
    const response = await fetch(`${options.baseUrl}${path}`, {
      method,
      headers: { 'x-api-key': options.apiKey, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : null };
  };
  const expectOk = (what: string, answer: { status: number; json: unknown }) => {
    if (answer.status >= 300) throw new Error(`demo directory: ${what} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    return answer;
  };
  expectOk('site', await call('PUT', `/api/v1/admin/sites/${options.site.siteId}`, { name: options.site.name, timeZone: options.site.timeZone }));
  let created = await call('POST', '/api/v1/admin/gateways', { gatewayId: options.gatewayId, name: 'Demo gateway', siteId: options.site.siteId });
  if (created.status === 409) created = await call('POST', `/api/v1/admin/gateways/${options.gatewayId}/rotate-token`);
  const token = (expectOk('gateway', created).json as { token?: string }).token;
  if (!token) throw new Error('demo directory: the gateway answer carries no token');
  for (const device of options.devices) {
    expectOk(
      `device ${device.serial}`,
      await call('PUT', `/api/v1/admin/devices/${device.serial}`, {
        name: device.name,
        protocol: 'zk-push2',
        siteId: options.site.siteId,
        timeZoneOverride: device.timeZoneOverride,
        expectedGatewayId: options.gatewayId,
      }),
    );
  }
  const csv = ['code,name', ...Array.from({ length: options.employees }, (_, i) => `${i + 1},Demo employee ${i + 1}`)].join('\n');
  expectOk('employee import', await call('POST', '/api/v1/admin/employees/import', csv, 'text/csv'));
  return token;
}

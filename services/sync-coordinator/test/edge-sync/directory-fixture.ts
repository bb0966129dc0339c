import { Client } from 'pg';
import type { PunchProtocol } from '@attendance/contracts';
import { randomTokenHash } from './fake-gateway';

/**
 * Directory rows written straight into the test database (tenant, site, gateways, devices), so a test can
 * give a device an activation time in the past, which the admin API rightly does not allow.
 */
export class DirectoryFixture {
  private seq = 0;

  constructor(private readonly pg: Client) {}

  async tenantWithSite(tenantId: string, siteId: string): Promise<void> {
    await this.pg.query('INSERT INTO sync.tenants (id, name) VALUES ($1, $1)', [tenantId]);
    await this.pg.query('INSERT INTO sync.tenant_change_counters (tenant_id, last_seq) VALUES ($1, 1000)', [tenantId]);
    await this.pg.query("INSERT INTO sync.sites (tenant_id, id, name, time_zone, change_seq) VALUES ($1, $2, $2, 'UTC', $3)", [tenantId, siteId, ++this.seq]);
  }

  async site(tenantId: string, siteId: string): Promise<void> {
    await this.pg.query("INSERT INTO sync.sites (tenant_id, id, name, time_zone, change_seq) VALUES ($1, $2, $2, 'UTC', $3)", [tenantId, siteId, ++this.seq]);
  }

  async gateway(tenantId: string, siteId: string, gatewayId: string): Promise<void> {
    await this.pg.query('INSERT INTO sync.gateways (id, tenant_id, site_id, name, token_sha256) VALUES ($1, $2, $3, $1, $4)', [gatewayId, tenantId, siteId, randomTokenHash()]);
  }

  async device(tenantId: string, siteId: string, serial: string, protocol: PunchProtocol, createdAt: Date): Promise<void> {
    await this.pg.query('INSERT INTO sync.devices (tenant_id, serial, protocol, site_id, change_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      tenantId,
      serial,
      protocol,
      siteId,
      ++this.seq,
      createdAt.toISOString(),
    ]);
  }
}

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from './gateway.config';

/**
 * deploy/edge/gateway.example.yaml is what a site operator copies: it must load as it is. Only its secret files
 * are redirected (they live in /run/secrets on a site) and the secrets its comments say come from *_FILE are given.
 */
describe('deploy/edge/gateway.example.yaml', () => {
  it('loads through the same validation as a site config, every device and setting accepted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-example-'));
    const example = readFileSync(join(__dirname, '../../../../deploy/edge/gateway.example.yaml'), 'utf8');
    const secretFiles = [...example.matchAll(/\{ file: \/run\/secrets\/([a-z0-9_]+) \}/g)].map((m) => m[1]!);
    expect(secretFiles.length).toBeGreaterThan(0);
    for (const name of secretFiles) writeFileSync(join(dir, name), name === 'zk_warehouse_commkey' ? '12345\n' : `${name}-value\n`);
    const path = join(dir, 'gateway.yaml');
    writeFileSync(path, example.replaceAll('/run/secrets/', `${dir}/`));

    const config = loadGatewayConfig({
      GATEWAY_CONFIG: path,
      GATEWAY_DATA_DIR: dir,
      KAFKA_SASL_PASSWORD: 'kafka-password',
      GATEWAY_ADMIN_TOKEN: 'an-admin-token-of-16+',
      GATEWAY_SYNC_TOKEN: 'a-sync-token',
    });
    expect(config.devices.size).toBeGreaterThanOrEqual(4);
    expect(new Set([...config.devices.values()].map((d) => d.protocol))).toEqual(new Set(['zk-push2', 'zk-tcp', 'hikvision', 'ws']));
    expect(config.relay.lingerMs).toBe(25);
  });
});

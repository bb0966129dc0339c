import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError } from '@attendance/config';
import { loadGatewayConfig } from './gateway.config';

const baseEnv = { GATEWAY_ID: 'gw-1', TENANT_ID: 't1', SITE_ID: 's1', SITE_TIME_ZONE: 'Asia/Kolkata' };

function writeFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gw-config-')), 'gateway.yaml');
  writeFileSync(path, content);
  return path;
}

function configError(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewayConfig', () => {
  it('reads every protocol from one file, resolving credentials by reference and never printing them', () => {
    const secretFile = writeFile('hik-pass\n');
    const path = writeFile(`
settings:
  GATEWAY_DISK_BUDGET_MB: 64
  SITE_TIME_ZONE: Europe/London
devices:
  - serial: A1
  - serial: Z1
    protocol: zk-tcp
    host: 10.0.0.5
    commKey: { env: ZK_KEY }
  - serial: H1
    protocol: hikvision
    baseUrl: http://10.0.0.6/
    username: admin
    password: { file: ${secretFile} }
  - serial: W1
    protocol: ws
    token: { env: WS_TOKEN }
    timeZone: Asia/Dubai
`);
    const config = loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: path, ZK_KEY: '12345', WS_TOKEN: 'ws-token-1' });
    // the environment overrides the file's settings; the file fills what the environment leaves out
    expect(config.siteTimeZone).toBe('Asia/Kolkata');
    expect(config.diskBudgetBytes).toBe(64 * 1048576);
    expect(config.devices.get('A1')).toMatchObject({ protocol: 'zk-push2', timeZone: 'Asia/Kolkata' });
    const zk = config.devices.get('Z1');
    expect(zk?.protocol === 'zk-tcp' && [zk.host, zk.port, zk.commKey?.reveal(), zk.charset]).toEqual(['10.0.0.5', 4370, '12345', 'utf-8']);
    const hik = config.devices.get('H1');
    expect(hik?.protocol === 'hikvision' && [hik.baseUrl, hik.password.reveal()]).toEqual(['http://10.0.0.6', 'hik-pass']);
    expect(config.devices.get('W1')).toMatchObject({ protocol: 'ws', timeZone: 'Asia/Dubai' });
    const printed = JSON.stringify([...config.devices.values()]) + inspect(config, { depth: 5 });
    for (const secret of ['12345', 'hik-pass', 'ws-token-1']) expect(printed).not.toContain(secret);
  });

  it('lists every bad device at once: duplicate serial, missing credential, unknown protocol, unknown field', () => {
    const path = writeFile(`
devices:
  - { serial: A1 }
  - { serial: A1 }
  - { serial: W1, protocol: ws, token: { env: MISSING_TOKEN } }
`);
    const problems = configError(() => loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: path }));
    expect(problems).toEqual([
      'GATEWAY_CONFIG: device A1 is listed twice',
      'GATEWAY_CONFIG device W1: token: environment variable MISSING_TOKEN is not set',
    ]);
    const bad = writeFile('devices:\n  - { serial: X, protocol: carrier-pigeon }\n  - { serial: Y, pasword: oops }\n');
    const badProblems = configError(() => loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: bad }));
    expect(badProblems).toHaveLength(2);
    expect(badProblems.join('\n')).toMatch(/devices\.0\.protocol/);
    expect(badProblems.join('\n')).toMatch(/pasword/);
  });

  it('refuses credentials written inline instead of by reference', () => {
    const path = writeFile('devices:\n  - { serial: H, protocol: hikvision, baseUrl: "http://h", username: u, password: plain }\n');
    expect(configError(() => loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: path })).join('\n')).toMatch(/devices\.0\.password/);
  });

  it('takes a per-device charset for ZK TCP user names and rejects unknown ones, listing the allowed values', () => {
    const path = writeFile(`
devices:
  - { serial: Z1, protocol: zk-tcp, host: 10.0.0.5, charset: gbk }
  - { serial: Z2, protocol: zk-tcp, host: 10.0.0.6, charset: latin1 }
  - { serial: Z3, protocol: zk-tcp, host: 10.0.0.7, charset: gb2312 }
`);
    const config = loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: path });
    expect(['Z1', 'Z2', 'Z3'].map((s) => { const d = config.devices.get(s); return d?.protocol === 'zk-tcp' && d.charset; })).toEqual(['gbk', 'latin1', 'gb2312']);

    const bad = writeFile('devices:\n  - { serial: Z1, protocol: zk-tcp, host: h, charset: big5 }\n  - { serial: Z2, protocol: zk-tcp, host: h, charset: UTF8 }\n');
    const problems = configError(() => loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: bad }));
    expect(problems).toEqual([
      `GATEWAY_CONFIG ${bad}: devices.0.charset: must be one of utf-8, latin1, gbk, gb2312 (got "big5")`,
      `GATEWAY_CONFIG ${bad}: devices.1.charset: must be one of utf-8, latin1, gbk, gb2312 (got "UTF8")`,
    ]);
    // Only ZK TCP devices have a user-name charset; elsewhere it is an unknown field.
    const misplaced = writeFile('devices:\n  - { serial: A1, protocol: zk-push2, charset: gbk }\n');
    expect(configError(() => loadGatewayConfig({ ...baseEnv, GATEWAY_CONFIG: misplaced })).join('\n')).toMatch(/charset/);
  });
});

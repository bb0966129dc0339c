import { createHash } from 'node:crypto';
import { ConfigError } from '@attendance/config';
import { loadSyncCoordinatorConfig } from './sync-coordinator.config';

describe(loadSyncCoordinatorConfig.name, () => {
  it('parses admin keys and treats empty optional secrets as unset', () => {
    const hash = createHash('sha256').update('s').digest('hex');
    const config = loadSyncCoordinatorConfig({ SYNC_ADMIN_API_KEYS: `k1:tenant-a:${hash}, k2:tenant-b:${hash}`, SYNC_MOBILE_JWT_SECRET: '', SYNC_MOBILE_JWT_ISSUER: '' });
    expect(config.SYNC_ADMIN_API_KEYS).toEqual([
      { keyId: 'k1', tenantId: 'tenant-a', secretSha256: hash },
      { keyId: 'k2', tenantId: 'tenant-b', secretSha256: hash },
    ]);
    expect(config.SYNC_MOBILE_JWT_SECRET).toBeUndefined();
    expect(config.SYNC_MOBILE_RATE_LIMIT).toBe(20);
    expect(config.SYNC_MOBILE_RATE_WINDOW_SECONDS).toBe(300);
  });

  it('names every bad key at once', () => {
    let error: unknown;
    try {
      loadSyncCoordinatorConfig({ SYNC_ADMIN_API_KEYS: 'k1:tenant-a:nothex', SYNC_MOBILE_JWT_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['SYNC_ADMIN_API_KEYS.0', 'SYNC_MOBILE_JWT_SECRET']));
  });
});

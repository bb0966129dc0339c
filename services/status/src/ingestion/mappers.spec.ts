import { aHeartbeat, aHeartbeatDevice } from '../../test/status-builders';
import { mergeByDevice } from '../devices/device-update';
import { commandResultUpdate } from './command-result-mapper';
import { heartbeatDeviceUpdates } from './heartbeat-mapper';

describe(heartbeatDeviceUpdates.name, () => {
  it('makes one update per reported device, reachability from the reporting gateway, backlog age only with a backlog', () => {
    const at = new Date('2025-03-10T03:30:15.000Z');
    const heartbeat = aHeartbeat({
      tenantId: 'acme', siteId: 's1', gatewayId: 'gw-blr-hq-1', at, backlogOldestAgeSeconds: 1800,
      devices: [aHeartbeatDevice('CQZ7232460238', at, { backlogCount: 7 }), aHeartbeatDevice('SN2', at, { reachable: false, lastErrorClass: 'device-timeout' })],
    });
    const [first, second] = heartbeatDeviceUpdates(heartbeat);
    const sentAt = String(Date.parse(heartbeat.sentAt));
    expect(first!.key).toBe('acme:CQZ7232460238');
    expect(first!.ops.join(' ')).toContain(`G gw-blr-hq-1 1 ${sentAt}`);
    expect(first!.ops.join(' ')).toContain(`N bt ${sentAt} 2 bl 7 ba 1800`);
    expect(first!.ops.join(' ')).not.toContain('M ls');
    expect(second!.ops.join(' ')).toContain(`G gw-blr-hq-1 0 ${sentAt}`);
    expect(second!.ops.join(' ')).toContain(`M ls ${sentAt}`);
    expect(second!.ops.join(' ')).toContain('S e device-timeout');
  });
});

describe(commandResultUpdate.name, () => {
  const base = {
    commandId: '9d2f4e1a-7c3b-4f0e-a5d6-2b8c1e9f0a47', type: 'backfill', tenantId: 'acme', siteId: 's1', gatewayId: 'gw1', deviceSerial: 'SN1',
    startedAt: '2025-03-10T03:00:00.000Z', completedAt: '2025-03-10T03:01:00.000Z', counts: { found: 10, new: 2, quarantined: 0 }, deviceCounts: null,
  };

  it('resets the error streak on success and extends it on failure', () => {
    expect(commandResultUpdate({ ...base, outcome: 'succeeded', error: null })!.ops.join(' ')).toContain('S en 0');
    const failed = commandResultUpdate({ ...base, outcome: 'failed', error: { class: 'device-timeout', message: 'x', deviceReturnCode: null } })!;
    expect(failed.ops.join(' ')).toContain('I en 1');
    expect(failed.ops.join(' ')).toContain('S e device-timeout');
    const rejected = commandResultUpdate({ ...base, outcome: 'rejected', error: { class: 'stale-token', message: 'x', deviceReturnCode: null } })!;
    expect(rejected.ops).not.toContain('en');
  });

  it('ignores results about no device', () => {
    expect(commandResultUpdate({ ...base, deviceSerial: null, outcome: 'succeeded', error: null })).toBeNull();
  });

  it('merges updates of one device into one, in order', () => {
    const a = commandResultUpdate({ ...base, outcome: 'failed', error: { class: 'a', message: 'x', deviceReturnCode: null } })!;
    const b = commandResultUpdate({ ...base, outcome: 'succeeded', error: null })!;
    const merged = mergeByDevice([a, b]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.ops.join(' ').indexOf('I en 1')).toBeLessThan(merged[0]!.ops.join(' ').indexOf('S en 0'));
  });
});

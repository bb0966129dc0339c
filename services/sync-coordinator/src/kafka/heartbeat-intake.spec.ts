import type { GatewayHeartbeatV1 } from '@attendance/contracts';
import { latestPerGateway } from './heartbeat-intake';

const beat = (gatewayId: string, sentAt: string) => ({ gatewayId, sentAt }) as GatewayHeartbeatV1;

describe('latestPerGateway', () => {
  it('keeps the newest heartbeat of each gateway, whatever the order', () => {
    const kept = latestPerGateway([beat('a', '2026-01-01T00:00:15Z'), beat('b', '2026-01-01T00:00:01Z'), beat('a', '2026-01-01T00:00:30Z'), beat('a', '2026-01-01T00:00:00Z')]);
    expect(kept.map((h) => [h.gatewayId, h.sentAt])).toEqual([
      ['a', '2026-01-01T00:00:30Z'],
      ['b', '2026-01-01T00:00:01Z'],
    ]);
  });
});

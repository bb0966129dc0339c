import type { DeviceHealthV1 } from '@attendance/contracts';
import { webhookBody } from './webhook-payload';

const event: DeviceHealthV1 = {
  eventId: '5b0f8a76-1f0c-4c36-8f7e-6a2b0d9e4c11',
  tenantId: 'acme',
  siteId: 'blr-hq',
  deviceSerial: 'SN1',
  gatewayId: 'gw-1',
  state: 'healthy',
  previousState: 'offline',
  changedAt: '2025-03-10T03:31:02.000Z',
  reasons: [],
  record: { lastContactAt: null, lastPunchAt: null, backlogCount: 0, backlogOldestAgeSeconds: null, clockSkewSeconds: null, capacityUsedRatio: null, lastErrorClass: null, completeUpTo: null },
};

describe(webhookBody.name, () => {
  it('wraps the event as JSON', () => {
    expect(JSON.parse(webhookBody('json', event))).toEqual({ type: 'device-health-transition', event });
  });

  it('announces a recovery in a Slack-compatible message', () => {
    const body = JSON.parse(webhookBody('slack', event)) as { text: string; blocks: { type: string }[] };
    expect(body.text).toBe(':large_green_circle: Device SN1 (acme / blr-hq) is HEALTHY (was offline): recovered');
    expect(body.blocks.map((b) => b.type)).toEqual(['section', 'context']);
  });

  it('lists the reasons of a degradation', () => {
    const degraded = { ...event, state: 'offline' as const, previousState: 'healthy' as const, reasons: [{ code: 'no-contact', message: 'no contact for 12 min (threshold 10 min)' }] };
    expect(JSON.parse(webhookBody('slack', degraded)).text).toBe(':black_circle: Device SN1 (acme / blr-hq) is OFFLINE (was healthy)\n• no contact for 12 min (threshold 10 min)');
  });
});

import type { DeviceHealthV1 } from '@attendance/contracts';

const ICON: Record<string, string> = { healthy: ':large_green_circle:', degraded: ':large_yellow_circle:', unhealthy: ':red_circle:', offline: ':black_circle:', unknown: ':white_circle:' };

/** The body posted to a webhook: the event itself (`json`), or a Slack-compatible message (`slack`). */
export function webhookBody(format: 'json' | 'slack', event: DeviceHealthV1): string {
  if (format === 'json') return JSON.stringify({ type: 'device-health-transition', event });
  const recovered = event.state === 'healthy' && event.previousState !== null;
  const headline = `${ICON[event.state] ?? ''} Device ${event.deviceSerial} (${event.tenantId} / ${event.siteId}) is ${event.state.toUpperCase()}${
    event.previousState ? ` (was ${event.previousState})` : ''
  }${recovered ? ': recovered' : ''}`;
  const lines = event.reasons.map((r) => `• ${r.message}`);
  const text = [headline, ...lines].join('\n');
  return JSON.stringify({
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `gateway ${event.gatewayId ?? 'none'} · ${event.changedAt}` }] },
    ],
  });
}

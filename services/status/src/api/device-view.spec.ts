import { agoText } from './device-view';

describe(agoText.name, () => {
  const now = Date.parse('2025-03-10T10:00:00Z');
  it.each([
    [null, 'never synced'],
    [now - 30_000, 'synced just now'],
    [now - 60_000, 'synced 1 minute ago'],
    [now - 4 * 60_000, 'synced 4 minutes ago'],
    [now - 3 * 3600_000, 'synced 3 hours ago'],
    [now - 3 * 86400_000, 'synced 3 days ago'],
  ])('%s → %s', (at, text) => {
    expect(agoText('synced', at, now)).toBe(text);
  });
});

import { advanceWatermark, floorToHour, hoursOf, mergeHours, scheduledWindow, splitWindow } from './hour-windows';

const at = (iso: string) => new Date(iso);
const isoOf = (w: { from: Date; to: Date }) => [w.from.toISOString(), w.to.toISOString()];

describe('hour windows', () => {
  it('floors to the UTC hour', () => {
    expect(floorToHour(at('2026-03-01T10:59:59.999Z')).toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });

  describe('scheduledWindow', () => {
    const now = at('2026-03-01T12:20:00Z');

    it('covers the last N complete hours when the watermark is recent', () => {
      expect(isoOf(scheduledWindow(now, at('2026-03-01T12:00:00Z'), 3, 168)!)).toEqual(['2026-03-01T09:00:00.000Z', '2026-03-01T12:00:00.000Z']);
    });

    it('reaches back to an older watermark so no hour is skipped, capped from its start', () => {
      expect(isoOf(scheduledWindow(now, at('2026-03-01T02:00:00Z'), 3, 168)!)).toEqual(['2026-03-01T02:00:00.000Z', '2026-03-01T12:00:00.000Z']);
      expect(isoOf(scheduledWindow(now, at('2026-02-01T00:00:00Z'), 3, 5)!)).toEqual(['2026-02-01T00:00:00.000Z', '2026-02-01T05:00:00.000Z']);
    });

    it('never includes the current, incomplete hour', () => {
      const window = scheduledWindow(now, at('2026-03-01T12:00:00Z'), 1, 168)!;
      expect(window.to.toISOString()).toBe('2026-03-01T12:00:00.000Z');
    });
  });

  it('merges consecutive hours and splits long windows', () => {
    const hours = ['10', '11', '13', '12', '16'].map((h) => at(`2026-03-01T${h}:00:00Z`));
    expect(mergeHours(hours).map(isoOf)).toEqual([
      ['2026-03-01T10:00:00.000Z', '2026-03-01T14:00:00.000Z'],
      ['2026-03-01T16:00:00.000Z', '2026-03-01T17:00:00.000Z'],
    ]);
    expect(splitWindow({ from: at('2026-03-01T00:00:00Z'), to: at('2026-03-01T05:00:00Z') }, 2).map(isoOf)).toEqual([
      ['2026-03-01T00:00:00.000Z', '2026-03-01T02:00:00.000Z'],
      ['2026-03-01T02:00:00.000Z', '2026-03-01T04:00:00.000Z'],
      ['2026-03-01T04:00:00.000Z', '2026-03-01T05:00:00.000Z'],
    ]);
    expect(hoursOf({ from: at('2026-03-01T00:00:00Z'), to: at('2026-03-01T03:00:00Z') })).toHaveLength(3);
  });

  describe('advanceWatermark', () => {
    const mark = at('2026-03-01T10:00:00Z');

    it('moves over verified hours that follow it without a gap', () => {
      const verified = ['10', '11', '13'].map((h) => at(`2026-03-01T${h}:00:00Z`));
      expect(advanceWatermark(mark, verified).toISOString()).toBe('2026-03-01T12:00:00.000Z');
    });

    it('does not move when the hour at the watermark is unverified, and never moves back', () => {
      expect(advanceWatermark(mark, [at('2026-03-01T11:00:00Z')])).toEqual(mark);
      expect(advanceWatermark(mark, [at('2026-03-01T08:00:00Z'), at('2026-03-01T09:00:00Z')])).toEqual(mark);
    });
  });
});

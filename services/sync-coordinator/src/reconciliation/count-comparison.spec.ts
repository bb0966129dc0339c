import { compareCounts } from './count-comparison';

const hour = (h: string) => Date.parse(`2026-03-01T${h}:00:00Z`);
const window = (h: string, next: string, count: number) => ({ from: `2026-03-01T${h}:00:00Z`, to: `2026-03-01T${next}:00:00Z`, count });

describe('compareCounts', () => {
  it('verifies hours whose counts are equal, including empty hours, and flags the others', () => {
    const cloud = new Map([
      [hour('10'), 5],
      [hour('11'), 3],
      [hour('12'), 4],
    ]);
    const result = compareCounts([window('10', '11', 5), window('11', '12', 4), window('12', '13', 2), window('13', '14', 0)], cloud);
    expect(result.verifiedHours.map((h) => h.toISOString())).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-01T13:00:00.000Z']);
    expect(result.mismatchedHours.map((h) => h.toISOString())).toEqual(['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z']);
    expect(result.details[1]).toEqual({ hour: '2026-03-01T11:00:00.000Z', device: 4, cloud: 3 });
  });

  it('never verifies a window that is not exactly one hour', () => {
    const result = compareCounts([window('10', '12', 0)], new Map());
    expect(result.verifiedHours).toEqual([]);
    expect(result.mismatchedHours).toHaveLength(1);
  });
});

import { jitteredBackoff } from './relay-loop';

describe(jitteredBackoff.name, () => {
  it('grows exponentially with the attempt, up to the cap, with the jitter spread below the ceiling', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4].map((attempt) => jitteredBackoff(attempt, 250, 30_000, top))).toEqual([250, 500, 1000, 2000]);
    expect(jitteredBackoff(30, 250, 30_000, top)).toBe(30_000);
  });

  it('never waits less than half the base, so a failing uplink is not hammered', () => {
    expect(jitteredBackoff(5, 250, 30_000, () => 0)).toBe(125);
  });

  it('spreads retries of many gateways instead of synchronising them', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = new Set(Array.from({ length: 50 }, () => jitteredBackoff(6, 250, 30_000, random)));
    expect(delays.size).toBeGreaterThan(40);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(8000);
  });
});

import fc from 'fast-check';
import { exactZoneOffsetMs, zoneOffsetMs } from './zone-offset';

// Zones with DST at 01:00/02:00/03:00, half-hour DST (Lord Howe), a 45-minute offset with DST (Chatham),
// southern-hemisphere DST, a zone that dropped DST (Sao Paulo), a half-hour zone without DST and UTC.
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo', 'Asia/Kolkata', 'Europe/Dublin', 'UTC'];
const MINUTE_MS = 60_000;

describe('zoneOffsetMs (memoised per zone and hour)', () => {
  it('equals the exact ICU offset at random instants from 1970 to 2040', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 0, max: Date.UTC(2040, 0, 1) / 1000 }), (zone, seconds) => {
        expect(zoneOffsetMs(zone, seconds * 1000)).toBe(exactZoneOffsetMs(zone, seconds * 1000));
      }),
      { numRuns: 3000, seed: 20261201 },
    );
  });

  it('equals the exact offset minute by minute around every transition of 2025-2027', () => {
    for (const zone of ZONES) {
      let previous = exactZoneOffsetMs(zone, Date.UTC(2025, 0, 1));
      for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2028, 0, 1); t += 30 * MINUTE_MS) {
        const offset = exactZoneOffsetMs(zone, t);
        if (offset !== previous) {
          // a transition lies in the last half hour: check every second-aligned minute of the 3 hours around it
          for (let u = t - 2 * 3_600_000; u <= t + 3_600_000; u += MINUTE_MS) {
            expect([zone, u, zoneOffsetMs(zone, u)]).toEqual([zone, u, exactZoneOffsetMs(zone, u)]);
            expect(zoneOffsetMs(zone, u + 59_000)).toBe(exactZoneOffsetMs(zone, u + 59_000));
          }
        }
        previous = offset;
      }
    }
  });

  it('knows the offsets of New York either side of the 2026 spring-forward instant', () => {
    const springForward = Date.UTC(2026, 2, 8, 7, 0, 0); // 02:00 EST → 03:00 EDT
    expect(zoneOffsetMs('America/New_York', springForward - 1000)).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs('America/New_York', springForward)).toBe(-4 * 3_600_000);
  });
});

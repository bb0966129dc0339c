import { conflictReasons, sameContent, type IncomingRecordState } from './conflict-detection';
import type { StoredMobileRecord } from './mobile-sync.schemas';

const stored: StoredMobileRecord = {
  recordId: '0b9e2c1e-9a43-4c4e-8f7a-1d2c3b4a5f60',
  employeeId: 'e-1',
  facilityId: 'plant',
  direction: 'in',
  clientTimestamp: '2026-03-02T09:00:00.000Z',
  timeZone: null,
  location: null,
  deviceId: 'phone-1',
  version: 3,
};
const incoming = (overrides: Partial<IncomingRecordState> = {}): IncomingRecordState => ({
  facilityId: 'plant',
  direction: 'in',
  clientTimestampMs: Date.parse('2026-03-02T09:00:00.000Z'),
  timeZone: null,
  location: null,
  deviceId: 'phone-1',
  syncVersion: 3,
  ...overrides,
});

describe(conflictReasons.name, () => {
  it('finds none for the current version within the minute, inclusive', () => {
    expect(conflictReasons(stored, incoming({ clientTimestampMs: Date.parse('2026-03-02T09:01:00.000Z') }), 60_000)).toEqual([]);
  });

  it('flags a version mismatch and a clock difference over the window', () => {
    expect(conflictReasons(stored, incoming({ syncVersion: 2 }), 60_000)).toEqual(['version-mismatch']);
    expect(conflictReasons(stored, incoming({ clientTimestampMs: Date.parse('2026-03-02T08:58:59.999Z') }), 60_000)).toEqual(['time-difference']);
    expect(conflictReasons(stored, incoming({ syncVersion: 4, clientTimestampMs: Date.parse('2026-03-02T09:05:00Z') }), 60_000)).toEqual([
      'version-mismatch',
      'time-difference',
    ]);
  });
});

describe(sameContent.name, () => {
  it('is true for a resend and false when anything the user sees changed', () => {
    expect(sameContent(stored, incoming())).toBe(true);
    expect(sameContent(stored, incoming({ direction: 'out' }))).toBe(false);
    expect(sameContent(stored, incoming({ location: { latitude: 1, longitude: 2, accuracyMeters: null } }))).toBe(false);
  });
});

import type { ConflictReason, StoredMobileRecord } from './mobile-sync.schemas';

/** The parts of an incoming record that matter for comparing it with the stored one. */
export interface IncomingRecordState {
  facilityId: string;
  direction: 'in' | 'out';
  clientTimestampMs: number;
  timeZone: string | null;
  location: StoredMobileRecord['location'];
  deviceId: string;
  syncVersion: number;
}

/**
 * Why an update of a stored record conflicts (DESIGN.md 6): the client edited an older version than the
 * server holds, or its clock time differs from the server's by more than the window (one minute by default).
 * No reasons: the update applies cleanly.
 */
export function conflictReasons(stored: StoredMobileRecord, incoming: IncomingRecordState, windowMs: number): ConflictReason[] {
  const reasons: ConflictReason[] = [];
  if (incoming.syncVersion !== stored.version) reasons.push('version-mismatch');
  if (Math.abs(Date.parse(stored.clientTimestamp) - incoming.clientTimestampMs) > windowMs) reasons.push('time-difference');
  return reasons;
}

/** The incoming record says nothing the stored one does not (a resend): a duplicate, not an update. */
export function sameContent(stored: StoredMobileRecord, incoming: IncomingRecordState): boolean {
  return (
    stored.facilityId === incoming.facilityId &&
    stored.direction === incoming.direction &&
    Date.parse(stored.clientTimestamp) === incoming.clientTimestampMs &&
    stored.timeZone === incoming.timeZone &&
    stored.deviceId === incoming.deviceId &&
    JSON.stringify(stored.location) === JSON.stringify(incoming.location)
  );
}

/**
 * Follows a device's event serial numbers on one channel (a pull session, one alertStream, one httpHosts
 * listener) and reports missing ranges so the caller can backfill by `beginSerialNo` (device-protocols.md §3.6).
 *
 * Two signals, in this order:
 * 1. `frontSerialNo` (push): the serial of the previous event the device sent. If it is beyond the last serial we
 *    saw, the events in between were lost: [lastSeen + 1, frontSerialNo]. A serial jump with a front serial we
 *    already have is *not* a gap: the capture in the brief (stream_77) shows serial 587 with frontSerialNo 579,
 *    i.e. serials 580-586 were never sent on that channel, and asking for them would be noise.
 * 2. Without a front serial (pull, older firmware): a jump past lastSeen + 1 is a gap.
 * A serial at or below the last one seen is a `repeat`: a replay after reconnect (`currentEvent: false`), a
 * duplicate push, or a device whose store was reset; the tracker never moves backwards, the caller judges.
 */
export interface SerialGap {
  /** First missing serial (inclusive). */
  from: number;
  /** Last missing serial (inclusive). */
  to: number;
  /** The serial whose arrival revealed the gap. */
  revealedBy: number;
  basis: 'front-serial' | 'serial-jump';
}

export type SerialObservation =
  | { kind: 'first' }
  | { kind: 'next' }
  | { kind: 'gap'; gap: SerialGap }
  | { kind: 'repeat'; lastSeen: number }
  | { kind: 'no-serial' };

export class SerialTracker {
  private last: number | null;

  /** @param lastSeen the highest serial already handled (a stored cursor), or `null` when nothing is known. */
  constructor(lastSeen: number | null = null) {
    this.last = lastSeen;
  }

  get lastSeen(): number | null {
    return this.last;
  }

  observe(serialNo: number | null, frontSerialNo: number | null = null): SerialObservation {
    if (serialNo === null || !Number.isSafeInteger(serialNo) || serialNo < 0) return { kind: 'no-serial' };
    const last = this.last;
    if (last === null) {
      this.last = serialNo;
      return { kind: 'first' };
    }
    if (serialNo <= last) return { kind: 'repeat', lastSeen: last };
    this.last = serialNo;
    const front = frontSerialNo !== null && frontSerialNo > 0 && frontSerialNo < serialNo ? frontSerialNo : null;
    if (front !== null) {
      return front > last ? { kind: 'gap', gap: { from: last + 1, to: front, revealedBy: serialNo, basis: 'front-serial' } } : { kind: 'next' };
    }
    return serialNo > last + 1 ? { kind: 'gap', gap: { from: last + 1, to: serialNo - 1, revealedBy: serialNo, basis: 'serial-jump' } } : { kind: 'next' };
  }
}

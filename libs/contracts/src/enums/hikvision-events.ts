/** ISAPI `major` of access-control events; punches are among its "authentication passed" minors. */
export const HIKVISION_MAJOR_EVENT = 5;

/**
 * Default allow-list of `major = 5` minors that count as a punch (brief section 3.3): valid card, card +
 * password, fingerprint, face, QR code, password. Remote door opening (0x400), failures, door and operation
 * events are not punches. Gateways should take the list from configuration with this as the default, because
 * firmware has more combined-mode pass codes.
 */
export const DEFAULT_HIKVISION_PUNCH_MINORS: readonly number[] = Object.freeze([0x01, 0x02, 0x26, 0x4b, 0x9c, 0xb5]);

/** True when an ISAPI access event (`major`/`minor`, or `majorEventType`/`subEventType` in push) is a punch. */
export function isHikvisionPunchEvent(
  major: number,
  minor: number,
  allowedMinors: readonly number[] = DEFAULT_HIKVISION_PUNCH_MINORS,
): boolean {
  return major === HIKVISION_MAJOR_EVENT && allowedMinors.includes(minor);
}

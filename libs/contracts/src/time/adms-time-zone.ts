import { UnrepresentableAdmsTimeZoneError } from '../errors/contract-error';
import { zoneOffsetMs } from './zone-offset';

/**
 * The value of the ADMS handshake option `TimeZone=` for `timeZone` at instant `at`.
 *
 * The PUSH spec reads the value as hours when -12 < v < 12 and as minutes when |v| > 60. So:
 * - whole hours strictly between -12 and 12 are sent as hours (`8`, `-5`, `0`);
 * - everything else is sent as minutes: `330` (Asia/Kolkata), `345` (Asia/Kathmandu), `-210`
 *   (America/St_Johns in winter), and also whole hours of 12 or more (`720` for Pacific/Auckland in winter),
 *   because `12` is outside the hours range.
 * Never a fraction: `5.5` is neither unit and shifts the device clock (brief section 1.3, pain point P4).
 *
 * The offset depends on `at` for DST zones, so the gateway computes it at each handshake.
 *
 * @throws InvalidTimeZoneError for an unknown zone; UnrepresentableAdmsTimeZoneError for an offset that is not
 *   whole minutes, or a non-whole-hour offset of at most 60 minutes (no zone in use today has one).
 */
export function admsTimeZoneOption(timeZone: string, at: Date): string {
  const offsetSeconds = zoneOffsetMs(timeZone, at.getTime()) / 1000;
  if (offsetSeconds % 60 !== 0) {
    throw new UnrepresentableAdmsTimeZoneError(timeZone, offsetSeconds);
  }
  const minutes = offsetSeconds / 60;
  if (minutes % 60 === 0 && Math.abs(minutes / 60) < 12) {
    return String(minutes / 60);
  }
  if (Math.abs(minutes) > 60) {
    return String(minutes);
  }
  throw new UnrepresentableAdmsTimeZoneError(timeZone, offsetSeconds);
}

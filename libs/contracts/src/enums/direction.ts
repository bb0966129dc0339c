import { z } from 'zod';
import { rawCode, zkNumericCode } from './raw-code';

/** Normalised punch direction (attendance state). `unknown` when the device sent none or an unmapped code. */
export const DirectionSchema = z
  .enum(['in', 'out', 'break-out', 'break-in', 'overtime-in', 'overtime-out', 'unknown'])
  .describe('Normalised punch direction');
export type Direction = z.infer<typeof DirectionSchema>;

/** A normalised direction with the device's own code kept beside it, ready to spread into a punch. */
export interface NormalisedDirection {
  readonly direction: Direction;
  /** The device's code exactly as sent (`"0"`, `"255"`, `"checkIn"`), `null` when the device sent none. */
  readonly directionRaw: string | null;
}

// ZK punch state, the same values in the binary record and in PUSH ATTLOG (brief section 1.4). 255 and other
// values mean "no state key pressed" and map to unknown.
const ZK_STATUS: ReadonlyMap<number, Direction> = new Map([
  [0, 'in'],
  [1, 'out'],
  [2, 'break-out'],
  [3, 'break-in'],
  [4, 'overtime-in'],
  [5, 'overtime-out'],
]);

// Hikvision ISAPI `attendanceStatus` (brief section 3.3); `undefined` is a literal string the device sends.
const HIKVISION_ATTENDANCE_STATUS: ReadonlyMap<string, Direction> = new Map([
  ['checkIn', 'in'],
  ['checkOut', 'out'],
  ['breakOut', 'break-out'],
  ['breakIn', 'break-in'],
  ['overtimeIn', 'overtime-in'],
  ['overtimeOut', 'overtime-out'],
]);

/** Maps a ZK status code (ATTLOG field 2, binary record state byte). */
export function directionFromZkStatus(code: string | number | null | undefined): NormalisedDirection {
  const numeric = zkNumericCode(code);
  return {
    direction: (numeric === null ? undefined : ZK_STATUS.get(numeric)) ?? 'unknown',
    directionRaw: rawCode(code),
  };
}

/** Maps a Hikvision ISAPI `attendanceStatus` string. */
export function directionFromHikvisionAttendanceStatus(status: string | null | undefined): NormalisedDirection {
  return {
    direction: (status ? HIKVISION_ATTENDANCE_STATUS.get(status) : undefined) ?? 'unknown',
    directionRaw: rawCode(status),
  };
}

/**
 * For protocols that already speak our vocabulary (WebSocket devices, agents): the value if it is a
 * {@link Direction}, otherwise `unknown`; the raw value is kept either way.
 */
export function directionFromName(value: string | null | undefined): NormalisedDirection {
  const parsed = DirectionSchema.safeParse(value);
  return { direction: parsed.success ? parsed.data : 'unknown', directionRaw: rawCode(value) };
}

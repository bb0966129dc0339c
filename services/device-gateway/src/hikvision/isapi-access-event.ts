import { z } from 'zod';

/**
 * One access-control event, whichever way it reached us. Pull (`AcsEvent` `InfoList[]`) and push
 * (`httpHosts`, `alertStream`) name the same facts differently (device-protocols.md §3.4): `major`/`minor`
 * vs `majorEventType`/`subEventType`, and `time` vs the envelope's `dateTime`. Everything downstream (cursor,
 * gap detection, punch building) works on this one shape; `raw` keeps the device's object untouched.
 */
export interface HikAccessEvent {
  origin: 'search' | 'push';
  major: number;
  minor: number;
  /** Device event number: the cursor and the dedupe key within one device epoch (never punch identity). */
  serialNo: number | null;
  /** The serial of the previous event the device sent on this channel (push; 0 or absent = unknown). */
  frontSerialNo: number | null;
  /** ISO 8601 as the device sent it, normally with the device's offset (`2026-04-17T19:23:48-03:00`). */
  time: string | null;
  /** `employeeNoString`, else the numeric `employeeNo` of older firmware, as a string. */
  employeeNo: string | null;
  cardNo: string | null;
  name: string | null;
  currentVerifyMode: string | null;
  attendanceStatus: string | null;
  /** Push only: `false` for buffered events the device replays after a reconnect. */
  currentEvent: boolean | null;
  picturesNumber: number | null;
  /** Push envelope fields that help map the sender to a configured device. */
  sender: { ipAddress: string | null; macAddress: string | null; shortSerialNumber: string | null; deviceName: string | null };
  /** The decoded device object: the `InfoList` item, or the whole push envelope. */
  raw: Record<string, unknown>;
}

export type AccessEventDecodeResult =
  | { ok: true; event: HikAccessEvent }
  | { ok: false; reason: 'not-an-object' | 'not-an-access-event' | 'invalid-fields'; detail: string; raw: unknown };

// XML bodies carry every value as text, and firmware is loose about numbers vs strings (cardNo, employeeNo),
// so scalars are accepted in either form and normalised here.
const intLike = z.union([z.number().int(), z.string().trim().regex(/^-?\d{1,15}$/).transform(Number)]);
const textLike = z.union([z.string(), z.number().transform(String)]);
const boolLike = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const opt = <T extends z.ZodType>(schema: T) => schema.nullish().catch(null);

const commonFields = {
  serialNo: opt(intLike),
  frontSerialNo: opt(intLike),
  employeeNoString: opt(textLike),
  employeeNo: opt(textLike),
  cardNo: opt(textLike),
  name: opt(textLike),
  currentVerifyMode: opt(textLike),
  attendanceStatus: opt(textLike),
  currentEvent: opt(boolLike),
  picturesNumber: opt(intLike),
};

/** `AcsEvent.InfoList[]` item (pull). Unknown fields are kept; a bad optional field becomes null. */
export const SearchedAccessEventSchema = z.looseObject({ major: intLike, minor: intLike, time: opt(textLike), ...commonFields });

/** `AccessControllerEvent` inside a push envelope. */
const PushedAccessEventSchema = z.looseObject({
  majorEventType: intLike,
  subEventType: intLike,
  deviceName: opt(textLike),
  ...commonFields,
});

/** The push envelope (`event_log` part of httpHosts, JSON part of alertStream). */
export const PushEnvelopeSchema = z.looseObject({
  eventType: opt(textLike),
  dateTime: opt(textLike),
  ipAddress: opt(textLike),
  macAddress: opt(textLike),
  shortSerialNumber: opt(textLike),
  AccessControllerEvent: z.unknown().optional(),
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function employee(fields: { employeeNoString?: string | null; employeeNo?: string | null }): string | null {
  const value = (fields.employeeNoString ?? '').trim() || (fields.employeeNo ?? '').trim();
  return value === '' ? null : value;
}

const nonEmpty = (value: string | null | undefined): string | null => (value === null || value === undefined || value === '' ? null : value);

/** Decodes one `InfoList` item of an AcsEvent search. */
export function decodeSearchedAccessEvent(item: unknown): AccessEventDecodeResult {
  if (!isRecord(item)) return { ok: false, reason: 'not-an-object', detail: 'InfoList item is not an object', raw: item };
  const parsed = SearchedAccessEventSchema.safeParse(item);
  if (!parsed.success) return { ok: false, reason: 'invalid-fields', detail: issues(parsed.error), raw: item };
  const e = parsed.data;
  return {
    ok: true,
    event: {
      origin: 'search',
      major: e.major,
      minor: e.minor,
      serialNo: e.serialNo ?? null,
      frontSerialNo: e.frontSerialNo ?? null,
      time: nonEmpty(e.time),
      employeeNo: employee(e),
      cardNo: nonEmpty(e.cardNo),
      name: nonEmpty(e.name),
      currentVerifyMode: nonEmpty(e.currentVerifyMode),
      attendanceStatus: nonEmpty(e.attendanceStatus),
      currentEvent: e.currentEvent ?? null,
      picturesNumber: e.picturesNumber ?? null,
      sender: { ipAddress: null, macAddress: null, shortSerialNumber: null, deviceName: null },
      raw: item,
    },
  };
}

/**
 * Decodes a push envelope. Envelopes of other event types (the device also pushes heartbeats, door and
 * video events) come back as `not-an-access-event`, so callers can count them without treating them as errors.
 */
export function decodePushedAccessEvent(envelope: unknown): AccessEventDecodeResult {
  if (!isRecord(envelope)) return { ok: false, reason: 'not-an-object', detail: 'event body is not a JSON object', raw: envelope };
  const outer = PushEnvelopeSchema.safeParse(envelope);
  if (!outer.success) return { ok: false, reason: 'invalid-fields', detail: issues(outer.error), raw: envelope };
  const inner = outer.data.AccessControllerEvent;
  if (!isRecord(inner)) {
    return { ok: false, reason: 'not-an-access-event', detail: `eventType ${outer.data.eventType ?? '(none)'} carries no AccessControllerEvent`, raw: envelope };
  }
  const parsed = PushedAccessEventSchema.safeParse(inner);
  if (!parsed.success) return { ok: false, reason: 'invalid-fields', detail: issues(parsed.error), raw: envelope };
  const e = parsed.data;
  return {
    ok: true,
    event: {
      origin: 'push',
      major: e.majorEventType,
      minor: e.subEventType,
      serialNo: e.serialNo ?? null,
      frontSerialNo: e.frontSerialNo ?? null,
      time: nonEmpty(outer.data.dateTime),
      employeeNo: employee(e),
      cardNo: nonEmpty(e.cardNo),
      name: nonEmpty(e.name),
      currentVerifyMode: nonEmpty(e.currentVerifyMode),
      attendanceStatus: nonEmpty(e.attendanceStatus),
      currentEvent: e.currentEvent ?? null,
      picturesNumber: e.picturesNumber ?? null,
      sender: {
        ipAddress: nonEmpty(outer.data.ipAddress),
        macAddress: nonEmpty(outer.data.macAddress),
        shortSerialNumber: nonEmpty(outer.data.shortSerialNumber),
        deviceName: nonEmpty(e.deviceName),
      },
      raw: envelope,
    },
  };
}

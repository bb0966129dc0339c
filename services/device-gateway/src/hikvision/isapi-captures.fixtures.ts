/**
 * Golden fixtures from real devices, quoted in shared/research/device-protocols.md §3 and taken from the
 * Wireshark text dumps in `rphpires/GoFacialEmulator` aux_files/Emulator hikvision test/ (DS-K1T673DX-BR,
 * firmware V3.18.0) and from tomas/needle#415. Test-only.
 *
 * The dumps print non-printable bytes as `.`; the event JSON is indented with TAB and has a TAB after each
 * colon. {@link fromDump} restores the bytes, and the specs check each body against the `Content-Length` the
 * device sent, which proves the restoration byte-exact (LF line ends inside the JSON, CRLF in MIME framing).
 */

/** stream_60 (PUT httpHosts) 401: the challenge quoted in the brief. */
export const CHALLENGE_STREAM_60 =
  'Digest qop="auth", realm="DS-4D43F695", nonce="OGRjYzczNTRkZjIxMmRhMzFiNGQ2MTA1ZGVkOWZlNWU=", stale="false", opaque="", domain="::"';

/** stream_60: the Authorization the device then accepted (python-requests), for the header shape. */
export const AUTHORIZATION_STREAM_60 =
  'Digest username="admin", realm="DS-4D43F695", nonce="OGRjYzczNTRkZjIxMmRhMzFiNGQ2MTA1ZGVkOWZlNWU=", uri="/ISAPI/Event/notification/httpHosts", response="8a45b84b7f7c17aab73673c6e25e1d8e", qop="auth", nc=00000001, cnonce="e46d1f2115dcd88e"';

/** stream_77 (GET alertStream) 401. */
export const CHALLENGE_STREAM_77 =
  'Digest qop="auth", realm="DS-4D43F695", nonce="NjI0OWRiZDg0ZTEzMGRjNjAxZWNkYjhhZTFkZWNjNmY=", stale="false", opaque="", domain="::"';

/** tomas/needle#415: an IP camera whose nonce contains `:` (needle sent only the part before it). */
export const CHALLENGE_NEEDLE_415 =
  'Digest realm="IP Camera", charset="UTF-8", algorithm="MD5", nonce="636144c2:2970b5fdd41b5ac6b669848f43d2d22b", qop="auth"';

/** Restores a Wireshark ASCII dump of the device's JSON: leading dots and the dot after `":` are TABs. */
export function fromDump(dump: string): string {
  return dump
    .trim()
    .split('\n')
    .map((line) => {
      const indent = /^\.*/.exec(line)![0].length;
      return '\t'.repeat(indent) + line.slice(indent).replace(/":\./g, '":\t');
    })
    .join('\n');
}

/** stream_80: the `event_log` part of the httpHosts POST (Content-Length: 829). Remote door open, 3/1025. */
export const EVENT_LOG_STREAM_80 = fromDump(`
{
."ipAddress":."192.168.1.81",
."ipv6Address":."fe80::be5e:33ff:fe57:a5cb",
."portNo":.15501,
."protocol":."HTTP",
."macAddress":."bc:5e:33:57:a5:cb",
."channelID":.1,
."dateTime":."2026-04-17T18:40:26-03:00",
."activePostCount":.1,
."eventType":."AccessControllerEvent",
."eventState":."active",
."eventDescription":."Access Controller Event",
."shortSerialNumber":."AA8066966",
."AccessControllerEvent":.{
.."deviceName":."subdoorOne",
.."majorEventType":.3,
.."subEventType":.1025,
.."remoteHostAddr":."192.168.1.138",
.."cardReaderKind":.1,
.."doorNo":.1,
.."verifyNo":.244,
.."serialNo":.572,
.."currentVerifyMode":."invalid",
.."frontSerialNo":.571,
.."attendanceStatus":."undefined",
.."label":."",
.."statusValue":.0,
.."mask":."unknown",
.."helmet":."unknown",
.."purePwdVerifyEnable":.true,
.."licensePlateNo":.""
.}
}`);

/** The whole httpHosts request body of stream_80 (Content-Length: 972), byte-exact. */
export const HTTP_HOSTS_BODY_STREAM_80 =
  '--MIME_boundary\r\n' +
  'Content-Disposition: form-data; name="event_log"\r\n' +
  'Content-Type: application/json\r\n' +
  'Content-Length: 829\r\n' +
  '\r\n' +
  EVENT_LOG_STREAM_80 +
  '\r\n--MIME_boundary--\r\n';

export const HTTP_HOSTS_CONTENT_TYPE = 'multipart/form-data; boundary=MIME_boundary';
export const ALERT_STREAM_CONTENT_TYPE = 'multipart/mixed; boundary=MIME_boundary';

/** stream_77 first event after connecting (Content-Length: 813): replayed (`currentEvent: false`), 3/1028. */
export const ALERT_EVENT_587 = fromDump(`
{
."ipAddress":."192.168.1.81",
."ipv6Address":."fe80::be5e:33ff:fe57:a5cb",
."portNo":.80,
."protocol":."HTTP",
."macAddress":."bc:5e:33:57:a5:cb",
."channelID":.1,
."dateTime":."2026-04-17T19:23:42-03:00",
."activePostCount":.1,
."eventType":."AccessControllerEvent",
."eventState":."active",
."eventDescription":."Access Controller Event",
."shortSerialNumber":."AA8066966",
."AccessControllerEvent":.{
.."deviceName":."subdoorOne",
.."majorEventType":.3,
.."subEventType":.1028,
.."remoteHostAddr":."192.168.1.138",
.."verifyNo":.147,
.."serialNo":.587,
.."currentVerifyMode":."invalid",
.."currentEvent":.false,
.."frontSerialNo":.579,
.."attendanceStatus":."undefined",
.."label":."",
.."statusValue":.0,
.."mask":."unknown",
.."helmet":."unknown",
.."purePwdVerifyEnable":.true,
.."licensePlateNo":.""
.}
}`);

/** stream_77 door event 5/22 (Content-Length: 793): major 5 but not a punch. */
export const ALERT_EVENT_589 = fromDump(`
{
."ipAddress":."192.168.1.81",
."ipv6Address":."fe80::be5e:33ff:fe57:a5cb",
."portNo":.80,
."protocol":."HTTP",
."macAddress":."bc:5e:33:57:a5:cb",
."channelID":.1,
."dateTime":."2026-04-17T19:23:43-03:00",
."activePostCount":.1,
."eventType":."AccessControllerEvent",
."eventState":."active",
."eventDescription":."Access Controller Event",
."shortSerialNumber":."AA8066966",
."AccessControllerEvent":.{
.."deviceName":."subdoorOne",
.."majorEventType":.5,
.."subEventType":.22,
.."cardReaderKind":.1,
.."doorNo":.1,
.."serialNo":.589,
.."currentVerifyMode":."invalid",
.."currentEvent":.false,
.."frontSerialNo":.588,
.."attendanceStatus":."undefined",
.."label":."",
.."statusValue":.0,
.."mask":."unknown",
.."helmet":."unknown",
.."purePwdVerifyEnable":.true,
.."licensePlateNo":.""
.}
}`);

/** stream_77 face punch 5/75 (Content-Length: 1116), live (`currentEvent: true`), followed by a picture. */
export const ALERT_EVENT_591 = fromDump(`
{
."ipAddress":."192.168.1.81",
."ipv6Address":."fe80::be5e:33ff:fe57:a5cb",
."portNo":.80,
."protocol":."HTTP",
."macAddress":."bc:5e:33:57:a5:cb",
."channelID":.1,
."dateTime":."2026-04-17T19:23:48-03:00",
."activePostCount":.1,
."eventType":."AccessControllerEvent",
."eventState":."active",
."eventDescription":."Access Controller Event",
."shortSerialNumber":."AA8066966",
."AccessControllerEvent":.{
.."deviceName":."subdoorOne",
.."majorEventType":.5,
.."subEventType":.75,
.."cardNo":."0000020101",
.."cardType":.1,
.."name":."Raphael Pires",
.."cardReaderKind":.1,
.."cardReaderNo":.1,
.."verifyNo":.155,
.."employeeNoString":."1",
.."turnstileTurned":.false,
.."serialNo":.591,
.."userType":."normal",
.."currentVerifyMode":."faceOrFpOrCardOrPw",
.."currentEvent":.true,
.."frontSerialNo":.590,
.."attendanceStatus":."undefined",
.."label":."",
.."statusValue":.0,
.."mask":."no",
.."helmet":."unknown",
.."picturesNumber":.1,
.."purePwdVerifyEnable":.true,
.."licensePlateNo":."",
.."FaceRect":.{
..."height":.0.172,
..."width":.0.307,
..."x":.0.444,
..."y":.0.441
..},
.."unlockRoomNo":."0000020101"
.}
}`);

/** stream_77 door event 5/21 right after the picture (Content-Length: 792). */
export const ALERT_EVENT_592 = fromDump(`
{
."ipAddress":."192.168.1.81",
."ipv6Address":."fe80::be5e:33ff:fe57:a5cb",
."portNo":.80,
."protocol":."HTTP",
."macAddress":."bc:5e:33:57:a5:cb",
."channelID":.1,
."dateTime":."2026-04-17T19:23:48-03:00",
."activePostCount":.1,
."eventType":."AccessControllerEvent",
."eventState":."active",
."eventDescription":."Access Controller Event",
."shortSerialNumber":."AA8066966",
."AccessControllerEvent":.{
.."deviceName":."subdoorOne",
.."majorEventType":.5,
.."subEventType":.21,
.."cardReaderKind":.1,
.."doorNo":.1,
.."serialNo":.592,
.."currentVerifyMode":."invalid",
.."currentEvent":.true,
.."frontSerialNo":.591,
.."attendanceStatus":."undefined",
.."label":."",
.."statusValue":.0,
.."mask":."unknown",
.."helmet":."unknown",
.."purePwdVerifyEnable":.true,
.."licensePlateNo":.""
.}
}`);

/** A JSON part framed the way stream_77 frames it: headers, body, then the next delimiter in the same write. */
export function alertJsonPart(json: string): string {
  return `Content-Type: application/json; charset="UTF-8"\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n--MIME_boundary\r\n`;
}

/**
 * A stand-in for the 18756-byte JPEG of stream_77 (its bytes are not reproducible from the text dump):
 * deterministic binary with CR, LF, dashes and a partial boundary inside, which a parser must not trip on.
 */
export function fakeJpeg(size = 18_756): Buffer {
  const bytes = Buffer.alloc(size);
  let seed = 7;
  for (let i = 0; i < size; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = seed >> 16;
  }
  bytes.write('\xff\xd8\xff\xe0', 0, 'latin1');
  bytes.write('\r\n--MIME_bound\r\n--MIME_boundar', 1000, 'latin1');
  bytes.write('\n--MIME_boundaryX', 5000, 'latin1');
  return bytes;
}

/** stream_77's picture part (Content-Disposition even though this is multipart/mixed, and a Content-ID). */
export function alertPicturePart(jpeg: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `Content-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nContent-ID: pictureImage\r\n\r\n`,
    ),
    jpeg,
    Buffer.from('\r\n--MIME_boundary\r\n'),
  ]);
}

/**
 * The alertStream body of stream_77 as the device wrote it (HTTP framing removed): the opening delimiter,
 * then per event its part and the next delimiter. Events 588 and 590 are left out (same shape as 587).
 */
export function alertStreamBody77(): Buffer {
  return Buffer.concat([
    Buffer.from('--MIME_boundary\r\n'),
    Buffer.from(alertJsonPart(ALERT_EVENT_587)),
    Buffer.from(alertJsonPart(ALERT_EVENT_589)),
    Buffer.from(alertJsonPart(ALERT_EVENT_591)),
    alertPicturePart(fakeJpeg()),
    Buffer.from(alertJsonPart(ALERT_EVENT_592)),
  ]);
}

/** An AcsEvent `InfoList` item with the fields the brief lists (pull names: major/minor/time). */
export function searchItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    major: 5,
    minor: 75,
    time: '2026-04-17T19:23:48-03:00',
    cardNo: '0000020101',
    cardType: 1,
    name: 'Raphael Pires',
    cardReaderNo: 1,
    doorNo: 1,
    employeeNoString: '1',
    serialNo: 591,
    userType: 'normal',
    currentVerifyMode: 'faceOrFpOrCardOrPw',
    attendanceStatus: 'checkIn',
    label: '',
    mask: 'no',
    pictureURL: '',
    picturesNumber: 1,
    ...overrides,
  };
}

import { parseHttpHostsPush } from './http-hosts-push';
import { decodeEventBody } from './isapi-event-body';
import { decodeSearchedAccessEvent } from './isapi-access-event';
import { ALERT_EVENT_591, EVENT_LOG_STREAM_80, HTTP_HOSTS_BODY_STREAM_80, HTTP_HOSTS_CONTENT_TYPE, fakeJpeg, searchItem } from './isapi-captures.fixtures';
import { parseSimpleXml } from './simple-xml';

function formData(parts: { name: string; type: string; body: Buffer | string; filename?: string }[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const body = typeof part.body === 'string' ? Buffer.from(part.body) : part.body;
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    chunks.push(Buffer.from(`--MIME_boundary\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.type}\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from('--MIME_boundary--\r\n'));
  return Buffer.concat(chunks);
}

describe(parseHttpHostsPush.name, () => {
  it('extracts the event of the captured httpHosts POST (stream_80): remote door open, not a punch', () => {
    const push = parseHttpHostsPush(Buffer.from(HTTP_HOSTS_BODY_STREAM_80), HTTP_HOSTS_CONTENT_TYPE);
    expect(push).toMatchObject({ format: 'multipart', heartbeats: 0, otherEvents: 0, pictures: 0, rejected: [], truncated: false });
    expect(push.events).toHaveLength(1);
    expect(push.events[0]).toMatchObject({
      origin: 'push',
      major: 3,
      minor: 1025,
      serialNo: 572,
      frontSerialNo: 571,
      time: '2026-04-17T18:40:26-03:00',
      employeeNo: null,
      currentVerifyMode: 'invalid',
      attendanceStatus: 'undefined',
      currentEvent: null,
      sender: { ipAddress: '192.168.1.81', macAddress: 'bc:5e:33:57:a5:cb', shortSerialNumber: 'AA8066966', deviceName: 'subdoorOne' },
    });
    expect(push.events[0]!.raw).toEqual(JSON.parse(EVENT_LOG_STREAM_80));
  });

  it('reads a face punch followed by its Picture part, skipping the JPEG', () => {
    const body = formData([
      { name: 'event_log', type: 'application/json', body: ALERT_EVENT_591 },
      { name: 'Picture', type: 'image/jpeg', body: fakeJpeg(), filename: 'Picture.jpg' },
    ]);
    const push = parseHttpHostsPush(body, HTTP_HOSTS_CONTENT_TYPE);
    expect(push.pictures).toBe(1);
    expect(push.events.map((e) => [e.major, e.minor, e.employeeNo, e.serialNo, e.currentEvent, e.picturesNumber])).toEqual([[5, 75, '1', 591, true, 1]]);
  });

  it('accepts a plain JSON body and an XML EventNotificationAlert body', () => {
    expect(parseHttpHostsPush(Buffer.from(ALERT_EVENT_591), 'application/json; charset=UTF-8').events[0]?.serialNo).toBe(591);
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
<ipAddress>192.168.1.81</ipAddress>
<dateTime>2026-04-17T19:23:48-03:00</dateTime>
<eventType>AccessControllerEvent</eventType>
<AccessControllerEvent>
<majorEventType>5</majorEventType>
<subEventType>38</subEventType>
<employeeNoString>0042</employeeNoString>
<serialNo>600</serialNo>
<frontSerialNo>599</frontSerialNo>
<currentEvent>true</currentEvent>
<name>A &amp; B</name>
</AccessControllerEvent>
</EventNotificationAlert>`;
    const push = parseHttpHostsPush(Buffer.from(xml), 'application/xml');
    expect(push.format).toBe('xml');
    expect(push.events[0]).toMatchObject({ major: 5, minor: 38, employeeNo: '0042', serialNo: 600, frontSerialNo: 599, currentEvent: true, name: 'A & B' });
  });

  it('counts heartbeats and other event types, and rejects unreadable parts with their text', () => {
    const body = formData([
      { name: 'event_log', type: 'application/json', body: '{"eventType":"heartBeat","eventState":"active"}' },
      { name: 'event_log', type: 'application/json', body: '{"eventType":"videoloss","eventState":"active"}' },
      { name: 'event_log', type: 'application/json', body: '{"eventType": "AccessControllerEvent", "AccessControllerEvent": {"majorEventType": 5' },
    ]);
    const push = parseHttpHostsPush(body, HTTP_HOSTS_CONTENT_TYPE);
    expect(push).toMatchObject({ heartbeats: 1, otherEvents: 1, events: [] });
    expect(push.rejected).toEqual([expect.objectContaining({ reason: 'malformed-json', raw: expect.stringContaining('AccessControllerEvent') })]);
  });

  it('reports a truncated multipart body and a body without parts', () => {
    const truncated = HTTP_HOSTS_BODY_STREAM_80.slice(0, 500);
    expect(parseHttpHostsPush(Buffer.from(truncated), HTTP_HOSTS_CONTENT_TYPE)).toMatchObject({ truncated: true, events: [] });
    expect(parseHttpHostsPush(Buffer.from('nothing here'), HTTP_HOSTS_CONTENT_TYPE).rejected[0]?.reason).toBe('no-parts');
    expect(parseHttpHostsPush(Buffer.alloc(0), 'application/json').rejected[0]?.reason).toBe('empty-body');
  });
});

describe('event body decoding', () => {
  it('classifies the camera-style XML heartbeat (videoloss inactive)', () => {
    const xml = '<EventNotificationAlert><eventType>videoloss</eventType><eventState>inactive</eventState></EventNotificationAlert>';
    expect(decodeEventBody(Buffer.from(xml), 'application/xml').kind).toBe('heartbeat');
  });

  it('decodes AcsEvent search items, tolerating string numbers, numeric employeeNo and bad optional fields', () => {
    const decoded = decodeSearchedAccessEvent(searchItem({ serialNo: '77', employeeNoString: undefined, employeeNo: 12, picturesNumber: 'many', extra: { x: 1 } }));
    expect(decoded).toMatchObject({ ok: true, event: { serialNo: 77, employeeNo: '12', picturesNumber: null, major: 5, minor: 75 } });
    expect(decoded.ok && decoded.event.raw['extra']).toEqual({ x: 1 });
    expect(decodeSearchedAccessEvent({ minor: 75 })).toMatchObject({ ok: false, reason: 'invalid-fields' });
    expect(decodeSearchedAccessEvent('x')).toMatchObject({ ok: false, reason: 'not-an-object' });
  });
});

describe(parseSimpleXml.name, () => {
  it('reads nested elements, arrays, CDATA, entities and namespace prefixes', () => {
    const root = parseSimpleXml('<?xml version="1.0"?><!-- c --><a:Root x="1"><b>1</b><b>2</b><c><![CDATA[<raw>]]></c><d/><e>&#65;&lt;</e></a:Root>');
    expect(root).toEqual({ name: 'Root', value: { b: ['1', '2'], c: '<raw>', d: '', e: 'A<' } });
  });

  it('returns null instead of throwing on malformed XML', () => {
    for (const bad of ['<a><b></a>', '<a>', 'text', '<a></a><b></b>', '<a>1 < 2</a>', '']) expect(parseSimpleXml(bad)).toBeNull();
  });

  it('keeps an element named __proto__ as data', () => {
    const root = parseSimpleXml('<r><__proto__><polluted>yes</polluted></__proto__></r>');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(root!.value, '__proto__')?.value).toEqual({ polluted: 'yes' });
  });
});

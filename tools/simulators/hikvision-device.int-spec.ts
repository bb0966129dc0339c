import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pullAcsEvents, type AcsEventPullPage, type AcsEventPullSummary } from '../../services/device-gateway/src/hikvision/acs-event-puller';
import { AlertStreamSubscriber, type AlertStreamItem, type AlertStreamState } from '../../services/device-gateway/src/hikvision/alert-stream-subscriber';
import { DigestAuthError, DigestHttpClient } from '../../services/device-gateway/src/hikvision/digest-http-client';
import { buildPunchFromHikvisionEvent } from '../../services/device-gateway/src/hikvision/hikvision-event-punch-builder';
import { parseHttpHostsPush } from '../../services/device-gateway/src/hikvision/http-hosts-push';
import { HikvisionDevice, type HikvisionDeviceOptions } from './hikvision-device';

// The gateway's ISAPI client pieces against the simulated terminal, over real HTTP on 127.0.0.1.

const devices: HikvisionDevice[] = [];
async function startDevice(options: HikvisionDeviceOptions = {}): Promise<{ device: HikvisionDevice; url: string }> {
  const device = new HikvisionDevice(options);
  devices.push(device);
  return { device, url: await device.listen(0) };
}

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

const clientFor = (url: string, password = 'hik12345') => new DigestHttpClient({ baseUrl: url, username: 'admin', password, requestTimeoutMs: 5000 });

async function drain(generator: AsyncGenerator<AcsEventPullPage, AcsEventPullSummary>) {
  const pages: AcsEventPullPage[] = [];
  for (;;) {
    const step = await generator.next();
    if (step.done) return { pages, summary: step.value };
    pages.push(step.value);
  }
}

function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('Digest auth against the simulated terminal', () => {
  it('authenticates once, reuses the nonce, re-challenges a stale nonce, and fails fast on a wrong password', async () => {
    const { device, url } = await startDevice();
    const http = clientFor(url);
    expect((await http.requestText('/ISAPI/System/deviceInfo')).text).toContain('DS-K1T673DX-BR');
    await http.requestText('/ISAPI/System/deviceInfo');
    expect(device.stats).toMatchObject({ challenges: 1, staleChallenges: 0, authFailures: 0 });

    device.expireNonces();
    expect((await http.requestText('/ISAPI/System/deviceInfo')).status).toBe(200);
    expect(device.stats.staleChallenges).toBe(1);
    expect(http.stats.staleNonces).toBe(1);

    device.forgetNonces(); // device reboot: old nonce unknown, plain 401
    expect((await http.requestText('/ISAPI/System/deviceInfo')).status).toBe(200);

    const wrong = clientFor(url, 'not-the-password');
    await expect(wrong.requestText('/ISAPI/System/deviceInfo')).rejects.toBeInstanceOf(DigestAuthError);
    expect(device.stats.authFailures).toBe(1);
  });

  it.each<[string, HikvisionDeviceOptions, string]>([
    ['SHA-256 and MD5 offered in two headers', { algorithm: 'both' }, 'SHA-256'],
    ['a realm with brackets and a nonce with ":"', { realm: 'IP Camera(C6284) [main]', nonceStyle: 'colon' }, 'MD5'],
    ['a non-empty opaque', { opaque: 'b3BhcXVl' }, 'MD5'],
  ])('works with %s', async (_label, options, algorithm) => {
    const { device, url } = await startDevice(options);
    expect((await clientFor(url).requestText('/ISAPI/System/deviceInfo')).status).toBe(200);
    expect(device.stats.algorithmsUsed).toEqual([algorithm]);
  });
});

describe('AcsEvent pull against the simulated terminal', () => {
  it('pages a few thousand events by serialNo, resumes from the cursor, and reports a gap that a backfill fills', async () => {
    const { device, url } = await startDevice({ pageCap: 30 });
    const base = Date.now() - 3 * 24 * 3600_000;
    for (let i = 0; i < 3000; i++) {
      if (i % 10 === 9) device.addEvent({ major: 5, minor: 22, at: new Date(base + i * 60_000) }); // door events between punches
      else device.punch(String(1 + (i % 200)), { at: new Date(base + i * 60_000), minor: [75, 1, 38][i % 3]! });
    }
    const http = clientFor(url);

    const first = await drain(pullAcsEvents(http, { afterSerialNo: 0, pageSize: 100, pageDelayMs: 0 }));
    const serials = first.pages.flatMap((p) => p.events.map((e) => e.serialNo));
    expect(serials).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
    expect(first.summary).toMatchObject({ cursor: 3000, pages: 100, events: 3000, punches: 2700, nonPunch: { '5/22': 300 }, gaps: [], complete: true });
    expect(device.stats.challenges).toBe(1); // one 401 for the whole pull

    // Resume: only what is new, after checking that the cursor's event is still there.
    for (let i = 0; i < 40; i++) device.punch('7');
    const resumed = await drain(pullAcsEvents(http, { afterSerialNo: first.summary.cursor, pageDelayMs: 0 }));
    expect(resumed.summary).toMatchObject({ anchor: 'present', events: 40, cursor: 3040, gaps: [] });
    expect(resumed.pages[0]!.events[0]!.serialNo).toBe(3041 - 40);

    // A hole in the serials (events the device numbered but does not return) is reported for backfill.
    device.skipSerials(5);
    for (let i = 0; i < 3; i++) device.punch('8');
    const gapped = await drain(pullAcsEvents(http, { afterSerialNo: resumed.summary.cursor, pageDelayMs: 0 }));
    expect(gapped.summary.gaps).toEqual([{ from: 3041, to: 3045, revealedBy: 3046, basis: 'serial-jump' }]);
    expect(gapped.summary.cursor).toBe(3048);

    // The backfill of that range comes back empty, which tells the caller the hole is on the device.
    const backfill = await drain(pullAcsEvents(http, { afterSerialNo: 3040, endSerialNo: 3045, pageDelayMs: 0 }));
    expect(backfill.summary).toMatchObject({ events: 0, anchor: 'present' });
  });

  it('maps pulled punches to contract punches with the serial as cursor', async () => {
    const { device, url } = await startDevice({ timeZone: 'Asia/Kolkata' });
    device.punch('0042', { at: new Date('2026-03-10T03:30:13Z'), minor: 38, attendanceStatus: 'checkOut' });
    const { pages } = await drain(pullAcsEvents(clientFor(url), { afterSerialNo: 0, pageDelayMs: 0 }));
    const context = { tenantId: 'acme', siteId: 'blr', gatewayId: 'gw-1', deviceSerial: 'AA8066966', timeZone: 'Asia/Kolkata' };
    const built = buildPunchFromHikvisionEvent(pages[0]!.punches[0]!, context, { receivedAt: new Date('2026-03-10T03:31:00Z'), source: 'pull' });
    expect(built).toMatchObject({
      ok: true,
      punch: { deviceUserId: '0042', localTime: '2026-03-10T09:00:13', punchedAt: '2026-03-10T03:30:13Z', direction: 'out', verifyMode: 'fingerprint', deviceCursor: '1' },
      deviceClock: { deviceOffsetMinutes: 330, offsetMismatch: false },
    });
  });

  it('notices a device whose event store was reset below the cursor', async () => {
    const { device, url } = await startDevice();
    for (let i = 0; i < 20; i++) device.punch('1');
    device.resetEventStore();
    for (let i = 0; i < 5; i++) device.punch('2');
    const { summary } = await drain(pullAcsEvents(clientFor(url), { afterSerialNo: 20, pageDelayMs: 0 }));
    expect(summary).toMatchObject({ anchor: 'missing', events: 0, cursor: 20 });
  });
});

describe('alertStream against the simulated terminal', () => {
  it('parses events across drops and silent streams, with replays, pictures, heartbeats and a lost event reported', async () => {
    const { device, url } = await startDevice({ replayOnConnect: 2, pictures: true, heartbeatMs: 40 });
    const items: AlertStreamItem[] = [];
    const states: AlertStreamState[] = [];
    const subscriber = new AlertStreamSubscriber({
      client: clientFor(url),
      onItem: (item) => void items.push(item),
      onState: (state) => states.push(state),
      idleTimeoutMs: 1000, // far above the 40 ms heartbeat, so only the stall trips it even on a busy machine
      backoff: { initialMs: 10, maxMs: 50 },
    });
    const accessSerials = () => items.flatMap((i) => (i.kind === 'access-event' ? [i.event.serialNo] : []));
    try {
      subscriber.start();
      await waitFor(() => device.openStreams === 1);
      device.punch('1');
      device.punch('2');
      await waitFor(() => accessSerials().includes(2));

      device.dropAlertStreams(); // reboot / cable: the subscriber reconnects and the device replays 2 events
      await waitFor(() => device.openStreams === 1 && states.filter((s) => s.type === 'connected').length === 2);
      device.loseNextInStream(1);
      device.punch('3'); // serial 3: stored, never streamed
      device.punch('4'); // frontSerialNo 3 reveals the loss
      await waitFor(() => accessSerials().includes(4));
      await waitFor(() => items.some((i) => i.kind === 'heartbeat')); // heartbeats keep the idle watchdog quiet

      device.stallAlertStreams(); // silent socket: only the idle watchdog can notice
      await waitFor(() => states.some((s) => s.type === 'disconnected' && s.reason === 'idle-timeout'));
      await waitFor(() => device.openStreams >= 1 && states.filter((s) => s.type === 'connected').length >= 3);
      device.punch('5');
      await waitFor(() => accessSerials().includes(5));
    } finally {
      await subscriber.stop();
    }

    const access = items.flatMap((i) => (i.kind === 'access-event' ? [[i.event.serialNo, i.event.currentEvent, i.observation?.kind]] : []));
    expect(access.filter(([, current]) => current === true)).toEqual([
      [1, true, 'first'],
      [2, true, 'next'],
      [4, true, 'gap'],
      [5, true, 'next'],
    ]);
    // Replays after each reconnect arrive with currentEvent false and are repeats, never new cursor positions.
    expect(access.filter(([, current]) => current === false).every(([, , kind]) => kind === 'repeat')).toBe(true);
    const gap = items.find((i) => i.kind === 'access-event' && i.observation?.kind === 'gap');
    expect(gap?.kind === 'access-event' && gap.observation).toEqual({ kind: 'gap', gap: { from: 3, to: 3, revealedBy: 4, basis: 'front-serial' } });
    expect(items.some((i) => i.kind === 'picture')).toBe(true);
    expect(items.some((i) => i.kind === 'heartbeat')).toBe(true);
    expect(items.some((i) => i.kind === 'undecodable')).toBe(false);
    expect(subscriber.lastSerialNo).toBe(5);

    // The reported gap is what a backfill by serial recovers.
    const backfill = await drain(pullAcsEvents(clientFor(url), { afterSerialNo: 2, endSerialNo: 3, pageDelayMs: 0 }));
    expect(backfill.pages.flatMap((p) => p.punches.map((e) => [e.serialNo, e.employeeNo]))).toEqual([[3, '3']]);
  });
});

describe('httpHosts pusher', () => {
  let listener: Server;
  let received: { contentType: string; body: Buffer }[];
  let listenerUrl: string;

  beforeEach(async () => {
    received = [];
    listener = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        res.end('200');
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/w-access`;
  });

  afterEach(async () => {
    listener.closeAllConnections();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('POSTs each event as multipart/form-data with an event_log part (and a Picture for faces) that the gateway parser reads', async () => {
    const { device } = await startDevice({ pictures: true, httpHostsUrl: listenerUrl });
    device.punch('11', { attendanceStatus: 'checkIn' });
    device.addEvent({ major: 3, minor: 1025 });
    await waitFor(() => received.length === 2);
    const pushes = received.map((r) => parseHttpHostsPush(r.body, r.contentType));
    expect(pushes.map((p) => [p.format, p.events.length, p.pictures, p.rejected.length, p.truncated])).toEqual([
      ['multipart', 1, 1, 0, false],
      ['multipart', 1, 0, 0, false],
    ]);
    expect(pushes[0]!.events[0]).toMatchObject({ major: 5, minor: 75, employeeNo: '11', serialNo: 1, attendanceStatus: 'checkIn' });
    expect(pushes[1]!.events[0]).toMatchObject({ major: 3, minor: 1025, serialNo: 2, frontSerialNo: 1 });
    expect(received[1]!.body.toString()).toContain('Content-Disposition: form-data; name="event_log"');
  });
});

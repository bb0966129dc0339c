import Database from 'better-sqlite3';
import { Secret } from '../../services/device-gateway/src/config/secret';
import { WsTestGateway } from '../../services/device-gateway/src/ws/testing/ws-test-gateway';
import { WsDevice, type WsServerMessage } from './ws-device';

// The WebSocket device protocol against a real listener over real on-disk SQLite, the WS simulator as client.
const TOKEN = 'ws-device-token-0123456789';
const wsDevice = (serial: string) => ({ serial, protocol: 'ws' as const, timeZone: 'Asia/Kolkata', token: new Secret(TOKEN, 'test') });

describe('WebSocket devices', () => {
  let gateway: WsTestGateway;
  const devices: WsDevice[] = [];
  const connect = async (serial = 'WS1', token = TOKEN) => {
    const device = new WsDevice(serial, token, gateway.url);
    devices.push(device);
    return { device, first: await device.connect() };
  };

  afterEach(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
    await gateway.dispose();
  });

  describe('with room on disk', () => {
    beforeEach(async () => {
      gateway = await new WsTestGateway([wsDevice('WS1'), { serial: 'ADMS1', protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }]).start();
    });

    it('acks a punch only once it is committed: a second SQLite connection already sees it when the ack arrives', async () => {
      const { device, first } = await connect();
      expect(first).toMatchObject({ type: 'welcome', serial: 'WS1', protocolVersion: 1 });
      const reader = new Database(gateway.databasePath, { readonly: true, fileMustExist: true });
      const seenAtAck: unknown[] = [];
      device.onMessage = (message) => {
        if (message.type !== 'ack') return;
        const eventId = (message.results as { eventId: string }[])[0]!.eventId;
        // Synchronously, in the same tick the ack is delivered: the row must already be durable.
        seenAtAck.push(reader.prepare('SELECT event_id AS eventId, device_serial AS serial FROM punch_outbox WHERE event_id = ?').get(eventId));
      };
      const ack = await device.sendPunches([{ userId: '12', localTime: '2026-01-05T09:00:00', direction: 'in', verifyMode: 'face' }], { id: 'm-1' });
      expect(ack).toMatchObject({ type: 'ack', id: 'm-1', stored: 1, quarantined: 0 });
      expect(seenAtAck).toEqual([{ eventId: (ack.results as { eventId: string }[])[0]!.eventId, serial: 'WS1' }]);
      const [row] = reader.prepare('SELECT payload FROM punch_outbox').all() as { payload: string }[];
      expect(JSON.parse(row!.payload)).toMatchObject({ protocol: 'ws', deviceUserId: '12', localTime: '2026-01-05T09:00:00', punchedAt: '2026-01-05T03:30:00Z', direction: 'in', verifyMode: 'face', source: 'push' });
      reader.close();
    });

    it('acks pipelined messages in send order, each after its own commit', async () => {
      const { device } = await connect();
      const sent = Array.from({ length: 20 }, (_, i) => device.sendPunches([{ userId: String(i), localTime: `2026-01-05T09:00:${String(i).padStart(2, '0')}` }], { id: `m-${i}` }));
      const acks = await Promise.all(sent);
      expect(acks.every((a) => a.type === 'ack' && a.stored === 1)).toBe(true);
      expect(device.received.filter((m) => m.type === 'ack').map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, i) => `m-${i}`));
      expect((gateway.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox').get() as { n: number }).n).toBe(20);
    });

    it('a batch with one bad record: the good ones stored, the bad one quarantined with an event, all reported in the ack', async () => {
      const { device } = await connect();
      const ack = await device.sendBatch([{ userId: '1', localTime: '2026-01-05T09:00:00' }, { userId: '', localTime: 'yesterday' }, { userId: '2', localTime: '1999-01-01T00:00:00' }, { userId: '3', localTime: '2026-01-05 09:01:00', direction: 'sideways' }], 'b-1');
      expect(ack).toMatchObject({ type: 'ack', id: 'b-1', stored: 2, quarantined: 2 });
      expect((ack.results as { status: string; reason?: string }[]).map((r) => [r.status, r.reason ?? null])).toEqual([
        ['stored', null],
        ['quarantined', 'invalid-field'],
        ['quarantined', 'implausible-time'],
        ['stored', null],
      ]);
      const quarantined = gateway.store.quarantine.latest(5);
      expect(quarantined.map((q) => [q.lineNumber, q.reason, q.rawLine.toString()]).sort()).toEqual([
        [2, 'invalid-field', '{"userId":"","localTime":"yesterday"}'],
        [3, 'implausible-time', '{"userId":"2","localTime":"1999-01-01T00:00:00"}'],
      ]);
      expect(gateway.deviceEvents('line-quarantined').map((e) => e.type === 'line-quarantined' && [e.protocol, e.reason])).toEqual([
        ['ws', 'invalid-field'],
        ['ws', 'implausible-time'],
      ]);
      const payloads = (gateway.store.db.prepare('SELECT payload FROM punch_outbox ORDER BY id').all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
      expect(payloads[1]).toMatchObject({ deviceUserId: '3', direction: 'unknown', directionRaw: 'sideways' });
    });

    it('nacks invalid messages with a clear reason and quarantines their exact bytes; the connection carries on', async () => {
      const { device } = await connect();
      const notJson = await device.sendRaw('{"type":"punch", oops', null);
      expect(notJson).toMatchObject({ type: 'nack', id: null, reason: 'invalid-json', retryable: false });
      const noRecords = await device.sendJson({ type: 'punches', id: 'x-1', punches: [] }, 'x-1');
      expect(noRecords).toMatchObject({ type: 'nack', id: 'x-1', reason: 'invalid-message', retryable: false, detail: expect.stringContaining('punches') });
      const unknownType = await device.sendJson({ type: 'selfie', id: 'x-2' }, 'x-2');
      expect(unknownType).toMatchObject({ type: 'nack', id: 'x-2', reason: 'invalid-message' });
      const binary = await device.sendRaw(Buffer.from([0, 1, 2, 3]), null, true);
      expect(binary).toMatchObject({ type: 'nack', reason: 'binary-frame' });

      const quarantined = gateway.store.quarantine.latest(10).reverse();
      expect(quarantined.map((q) => [q.reason, q.rawLine.toString('hex')])).toEqual([
        ['invalid-json', Buffer.from('{"type":"punch", oops').toString('hex')],
        ['invalid-message', Buffer.from(JSON.stringify({ type: 'punches', id: 'x-1', punches: [] })).toString('hex')],
        ['invalid-message', Buffer.from(JSON.stringify({ type: 'selfie', id: 'x-2' })).toString('hex')],
        ['binary-frame', '00010203'],
      ]);
      expect(gateway.deviceEvents('line-quarantined')).toHaveLength(4);
      await expect(device.sendPunches([device.punchNow('9')])).resolves.toMatchObject({ type: 'ack', stored: 1 });
      await expect(device.ping()).resolves.toMatchObject({ type: 'pong' });
    });

    it('refuses a wrong token, an unknown serial (one unknown-device event), a non-WS device and a first message that is not hello', async () => {
      const wrong = await connect('WS1', 'not-the-token');
      expect(wrong.first).toMatchObject({ type: 'error', reason: 'auth-failed' });
      const stranger = await connect('NOPE1', TOKEN);
      expect(stranger.first).toMatchObject({ type: 'error', reason: 'unknown-device' });
      const adms = await connect('ADMS1', TOKEN);
      expect(adms.first).toMatchObject({ type: 'error', reason: 'not-a-ws-device' });
      const rude = new WsDevice('WS1', TOKEN, gateway.url);
      devices.push(rude);
      await rude.connect({ skipHello: true });
      // Before hello nothing is stored (there is no device to file it under): no ack, so the client keeps it.
      await expect(rude.sendRaw(JSON.stringify({ type: 'punch', id: 'a', punch: {} }), null)).resolves.toMatchObject({ type: 'error', reason: 'hello-required' });
      await waitUntil(() => rude.closed !== null && wrong.device.closed !== null);
      expect([wrong.device.closed!.code, stranger.device.closed?.code, adms.device.closed?.code, rude.closed!.code]).toEqual([4401, 4403, 4403, 4400]);
      expect(gateway.deviceEvents('unknown-device')).toEqual([expect.objectContaining({ deviceSerial: 'NOPE1', protocol: 'ws' })]);
      expect((gateway.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox').get() as { n: number }).n).toBe(0);
    });

    it('reports the device online on hello and offline when the connection closes; measures skew from deviceTime', async () => {
      const device = new WsDevice('WS1', TOKEN, gateway.url);
      devices.push(device);
      await device.connect({ deviceTime: new Date(Date.now() + 5 * 60_000) });
      await device.close();
      await waitUntil(() => gateway.deviceEvents('offline').length === 1);
      expect(gateway.deviceEvents().map((e) => e.type)).toEqual(['online', 'clock-skew', 'offline']);
      expect(gateway.deviceEvents('clock-skew')[0]).toMatchObject({ state: 'exceeded' });
    });
  });

  it('closes a connection that never says hello (4408)', async () => {
    gateway = await new WsTestGateway([wsDevice('WS1')]).start({ helloTimeoutMs: 200 });
    const silent = new WsDevice('WS1', TOKEN, gateway.url);
    devices.push(silent);
    await silent.connect({ skipHello: true });
    await waitUntil(() => silent.closed !== null);
    expect(silent.closed).toEqual({ code: 4408, reason: 'hello-timeout' });
  });

  it('with the disk budget spent: nack storage-full (retryable), nothing stored', async () => {
    gateway = await new WsTestGateway([wsDevice('WS1')], 1).start();
    const { device } = await connect();
    const answer: WsServerMessage = await device.sendPunches([device.punchNow('1')], { id: 'full-1' });
    expect(answer).toMatchObject({ type: 'nack', id: 'full-1', reason: 'storage-full', retryable: true });
    expect((gateway.store.db.prepare('SELECT COUNT(*) AS n FROM raw_request').get() as { n: number }).n).toBe(0);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

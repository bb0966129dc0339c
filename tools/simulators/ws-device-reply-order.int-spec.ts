import Database from 'better-sqlite3';
import { waitFor } from '@attendance/testing';
import { WsDevice } from './ws-device';
import { Secret } from '../../services/device-gateway/src/config/secret';
import type { GroupCommitter } from '../../services/device-gateway/src/store/group-committer';
import type { WsCommitter } from '../../services/device-gateway/src/ws/ws-message-store';
import { WsTestGateway } from '../../services/device-gateway/src/ws/testing/ws-test-gateway';

const TOKEN = 'ws-device-token-0123456789';

/**
 * The real GroupCommitter; once armed, the caller of the next submitted piece of work hears of its (real,
 * finished) commit only when the test releases it: a slow write, made deterministic.
 */
class NextCommitHeld implements WsCommitter {
  private armed = false;
  private releaseHeld: (() => void) | null = null;
  constructor(private readonly real: GroupCommitter) {}

  holdNext(): void {
    this.armed = true;
  }

  submit<T>(work: () => T): Promise<T> {
    const committed = this.real.submit(work);
    if (!this.armed) return committed;
    this.armed = false;
    return committed.then((value) => new Promise<T>((resolve) => (this.releaseHeld = () => resolve(value))));
  }

  get heldCommitted(): boolean {
    return this.releaseHeld !== null;
  }

  release(): void {
    this.releaseHeld!();
  }
}

// Answers of one connection leave in message order even when a later message's write (or a ping) is done first.
describe('WS answers in message order over the group committer', () => {
  let gateway: WsTestGateway;
  let device: WsDevice;
  let held: NextCommitHeld;

  beforeEach(async () => {
    gateway = await new WsTestGateway([{ serial: 'WS1', protocol: 'ws', timeZone: 'Asia/Kolkata', token: new Secret(TOKEN, 'test') } as never]).start({
      committer: (real) => (held = new NextCommitHeld(real)),
    });
    device = new WsDevice('WS1', TOKEN, gateway.url);
    await device.connect();
  });

  afterEach(async () => {
    await device.close();
    await gateway.dispose();
  });

  it('a pong, a nack and a later ack wait for the ack of the message before them', async () => {
    const reader = new Database(gateway.databasePath, { readonly: true, fileMustExist: true });
    const count = (sql: string) => (reader.prepare(sql).get() as { n: number }).n;
    held.holdNext();
    const answers = [
      device.sendPunches([{ userId: '1', localTime: '2026-01-05T09:00:00' }], { id: 'm-1' }),
      device.ping(),
      device.sendJson({ type: 'selfie', id: 'bad-1' }, 'bad-1'),
      device.sendPunches([{ userId: '2', localTime: '2026-01-05T09:01:00' }], { id: 'm-2' }),
    ];
    // Everything after m-1 is handled and durable (seen by a second connection) while m-1's answer is held.
    await waitFor(() => held.heldCommitted && count('SELECT COUNT(*) AS n FROM punch_outbox') === 2 && count('SELECT COUNT(*) AS n FROM quarantine') === 1, { description: 'all four messages handled' });
    expect(device.received.map((m) => m.type)).toEqual(['welcome']);

    held.release();
    await Promise.all(answers);
    expect(device.received.map((m) => [m.type, m.id ?? null])).toEqual([
      ['welcome', null],
      ['ack', 'm-1'],
      ['pong', expect.stringMatching(/^p-/)],
      ['nack', 'bad-1'],
      ['ack', 'm-2'],
    ]);
    reader.close();
  });

  it('a client pipelining more than the gateway reads ahead (paused, then resumed) still gets every ack, in order', async () => {
    const sent = Array.from({ length: 700 }, (_, i) => device.sendPunches([{ userId: `u${i % 50}`, localTime: `2026-01-06T${String(8 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00` }], { id: `f-${i}` }));
    const acks = await Promise.all(sent);
    expect(acks.every((a) => a.type === 'ack' && a.stored === 1)).toBe(true);
    expect(device.received.filter((m) => m.type === 'ack').map((m) => m.id)).toEqual(Array.from({ length: 700 }, (_, i) => `f-${i}`));
    expect((gateway.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox').get() as { n: number }).n).toBe(700);
  });

  it('pipelining connections each get their acks in send order, and each acked row is already durable', async () => {
    const reader = new Database(gateway.databasePath, { readonly: true, fileMustExist: true });
    const durable = reader.prepare('SELECT 1 FROM punch_outbox WHERE event_id = ?');
    const clients = [device, ...(await Promise.all([1, 2].map(async () => {
      const d = new WsDevice('WS1', TOKEN, gateway.url);
      await d.connect();
      return d;
    })))];
    let notDurableAtAck = 0;
    for (const client of clients) {
      client.onMessage = (m) => {
        if (m.type === 'ack' && !durable.get((m.results as { eventId: string }[])[0]!.eventId)) notDurableAtAck++;
      };
    }
    try {
      const acks = await Promise.all(
        clients.flatMap((client, c) => Array.from({ length: 15 }, (_, i) => client.sendPunches([{ userId: `${c + 1}${i}`, localTime: `2026-01-05T09:0${c}:${String(i).padStart(2, '0')}` }], { id: `c${c}-${i}` }))),
      );
      expect(acks.every((a) => a.type === 'ack' && a.stored === 1)).toBe(true);
      for (const [c, client] of clients.entries()) expect(client.received.filter((m) => m.type === 'ack').map((m) => m.id)).toEqual(Array.from({ length: 15 }, (_, i) => `c${c}-${i}`));
      expect(notDurableAtAck).toBe(0);
      expect((reader.prepare('SELECT COUNT(*) AS n FROM punch_outbox').get() as { n: number }).n).toBe(45);
    } finally {
      await Promise.all(clients.slice(1).map((d) => d.close()));
      reader.close();
    }
  });
});

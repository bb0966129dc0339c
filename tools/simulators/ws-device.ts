import WebSocket from 'ws';
import { deviceLocalTime } from './device-clock';

export interface WsPunch {
  userId: string;
  localTime: string;
  direction?: string;
  verifyMode?: string;
  workCode?: string | null;
  cursor?: string;
}

/** Any message the gateway sends (docs/ws-device-protocol.md). */
export type WsServerMessage = { type: string; id?: string | null; [key: string]: unknown };

/**
 * A simulated WebSocket device/agent speaking docs/ws-device-protocol.md: hello with serial + token, punches
 * with per-message ids, waits for the ack (sent after the gateway's durable write) or nack of each message.
 * Like a careful agent, it forgets a punch only on its ack; `sendRaw` sends arbitrary frames for tests.
 */
export class WsDevice {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly waiting = new Map<string, (message: WsServerMessage) => void>();
  readonly received: WsServerMessage[] = [];
  /** Called for every message from the gateway as it arrives (before any waiter is resolved). */
  onMessage: (message: WsServerMessage) => void = () => undefined;
  closed: { code: number; reason: string } | null = null;

  constructor(
    readonly serial: string,
    private readonly token: string,
    private readonly gatewayUrl: string,
    readonly timeZone = 'Asia/Kolkata',
  ) {}

  /** Connects and says hello; resolves with the gateway's first answer (welcome, or error before a close). */
  async connect(options: { deviceTime?: Date; skipHello?: boolean } = {}): Promise<WsServerMessage | null> {
    const socket = new WebSocket(this.gatewayUrl);
    this.socket = socket;
    const first = new Promise<WsServerMessage | null>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as WsServerMessage;
        this.received.push(message);
        this.onMessage(message);
        const id = typeof message.id === 'string' ? message.id : null;
        const waiter = id !== null ? this.waiting.get(id) : undefined;
        if (waiter && id !== null) {
          this.waiting.delete(id);
          waiter(message);
        }
        resolve(message);
      });
      socket.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(null);
      });
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    if (options.skipHello) return null;
    socket.send(JSON.stringify({ type: 'hello', serial: this.serial, token: this.token, protocolVersion: 1, ...(options.deviceTime ? { deviceTime: options.deviceTime.toISOString() } : {}) }));
    return first;
  }

  /** Sends punches as one message and resolves with its ack or nack. */
  async sendPunches(punches: readonly WsPunch[], options: { id?: string; backfill?: boolean } = {}): Promise<WsServerMessage> {
    const id = options.id ?? `m-${this.nextId++}`;
    const message = punches.length === 1 ? { type: 'punch', id, punch: punches[0] } : { type: 'punches', id, punches };
    return this.sendJson({ ...message, ...(options.backfill ? { backfill: true } : {}) }, id);
  }

  async sendBatch(punches: readonly WsPunch[], id = `m-${this.nextId++}`): Promise<WsServerMessage> {
    return this.sendJson({ type: 'punches', id, punches }, id);
  }

  async ping(): Promise<WsServerMessage> {
    const id = `p-${this.nextId++}`;
    return this.sendJson({ type: 'ping', id }, id);
  }

  /** Sends any JSON and waits for the answer carrying `id`. */
  async sendJson(value: unknown, id: string): Promise<WsServerMessage> {
    return this.sendRaw(JSON.stringify(value), id);
  }

  /** Sends a raw frame; with `waitForId` resolves with the answer carrying that id, else with the next message. */
  async sendRaw(frame: string | Buffer, waitForId: string | null, binary = false): Promise<WsServerMessage> {
    const socket = this.socket;
    if (!socket) throw new Error('not connected');
    const answer = new Promise<WsServerMessage>((resolve) => {
      if (waitForId !== null) this.waiting.set(waitForId, resolve);
      else {
        const before = this.received.length;
        const check = () => (this.received.length > before ? resolve(this.received[before]!) : setTimeout(check, 5));
        check();
      }
    });
    socket.send(frame, { binary });
    return answer;
  }

  punchNow(userId: string, at = new Date()): WsPunch {
    return { userId, localTime: deviceLocalTime(at, this.timeZone).replace(' ', 'T'), direction: 'in', verifyMode: 'face' };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === socket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }
}

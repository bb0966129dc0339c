import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { PunchProtocol } from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import type { DeviceEventRecorder } from '../events/device-event-recorder';
import { AdmsDeviceReporter } from '../adms/adms-device-reporter';
import { DiskBudgetExceededError } from '../store/disk-budget';
import type { EdgeStore } from '../store/edge-store';
import type { WsMessageStore } from './ws-message-store';
import { OrderedReplies } from './ordered-replies';
import {
  ClientMessageSchema,
  HelloSchema,
  salvageMessageId,
  WS_CLOSE_CODES,
  WS_MAX_FRAME_BYTES,
  WS_PROTOCOL_VERSION,
  type ServerMessage,
  type WsCloseReason,
  type WsNackReason,
} from './ws-protocol';

/** Presence of WS devices: a connection is the device being online (the pull health tracker implements it). */
export interface WsDeviceHealth {
  register(serial: string, protocol: string): void;
  contact(serial: string, protocol: PunchProtocol, remoteAddress: string | null, at?: Date): void;
  unreachable(serial: string, reason: string, detail: string, at?: Date): void;
  clock(serial: string, skewMs: number, deviceLocalTime: string | null, at?: Date): void;
}

export interface WsDeviceServerOptions {
  /** A connection that has not said hello within this is closed (4408). */
  helloTimeoutMs: number;
  /** Protocol-level ping every this often; a socket that missed the previous pong is terminated. */
  heartbeatMs: number;
}

const DEFAULTS: WsDeviceServerOptions = { helloTimeoutMs: 10_000, heartbeatMs: 30_000 };
/**
 * A connection with this many messages not yet answered stops being read (TCP back-pressure on the client)
 * until half of them are answered: a client pipelining without limit cannot queue unbounded work and memory.
 */
const MAX_UNANSWERED_PER_CONNECTION = 256;

interface Session {
  socket: WebSocket;
  remoteAddress: string | null;
  serial: string | null;
  alive: boolean;
  /** Answers to this connection's messages, in message order. */
  replies: OrderedReplies<ServerMessage>;
}

/**
 * WebSocket listener for devices and agents on `:5001` (docs/ws-device-protocol.md). A client says hello
 * with its serial and the token of its `ws` config entry, then sends `punch` / `punches` messages with ids.
 * Each message's writes join the shared group commit (WsMessageStore, GroupCommitter) and it is acked only
 * once that commit returned, so an ack always means "durable". Every answer (ack, nack, pong) goes out in the
 * order the messages arrived on that connection, whatever order their writes finish in (OrderedReplies).
 * Invalid messages are quarantined with their bytes and nacked with the reason.
 */
export class WsDeviceServer {
  private server: WebSocketServer | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly sessions = new Set<Session>();
  private readonly options: WsDeviceServerOptions;
  private readonly reporter: AdmsDeviceReporter;

  constructor(
    private readonly deps: {
      config: GatewayConfig;
      store: EdgeStore;
      messages: WsMessageStore;
      events: DeviceEventRecorder;
      health: WsDeviceHealth | null;
      logger: Logger;
    },
    options: Partial<WsDeviceServerOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.reporter = new AdmsDeviceReporter(deps.store, deps.events);
  }

  /** Starts listening; resolves with the address, e.g. `ws://127.0.0.1:5001`. */
  async listen(): Promise<string> {
    const server = new WebSocketServer({ port: this.deps.config.wsPort, host: this.deps.config.host, maxPayload: WS_MAX_FRAME_BYTES });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.on('connection', (socket, request) => this.accept(socket, request.socket.remoteAddress ?? null));
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    const address = server.address() as AddressInfo;
    return `ws://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    const server = this.server;
    this.server = null;
    if (!server) return;
    // NOTE: sockets are closed first so no message is acked after the store closes (runtime stops us before it)
    for (const session of this.sessions) session.socket.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: WebSocket, remoteAddress: string | null): void {
    const session: Session = { socket, remoteAddress, serial: null, alive: true, replies: new OrderedReplies((reply) => this.send(session, reply)) };
    this.sessions.add(session);
    const helloTimer = setTimeout(() => this.refuse(session, 'hello-timeout', `no hello within ${this.options.helloTimeoutMs} ms`), this.options.helloTimeoutMs);
    socket.on('pong', () => (session.alive = true));
    socket.on('message', (data, isBinary) => {
      try {
        if (session.serial === null) {
          if (this.hello(session, data, isBinary)) clearTimeout(helloTimer);
        } else {
          this.answerInOrder(session, data, isBinary);
        }
      } catch (error) {
        // A bug must not kill the listener; the client gets no ack and sends again.
        this.deps.logger.error({ err: error, serial: session.serial }, 'WS message handling failed');
      }
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.sessions.delete(session);
      if (session.serial !== null && this.server !== null) this.safely(() => this.deps.health?.unreachable(session.serial!, 'connection-closed', 'WebSocket closed'));
    });
    socket.on('error', (error) => this.deps.logger.warn({ err: error, serial: session.serial }, 'WS socket error'));
  }

  /** The first message must be a valid hello with the device's token; anything else closes the socket. */
  private hello(session: Session, data: RawData, isBinary: boolean): boolean {
    const parsed = isBinary ? null : HelloSchema.safeParse(parseJson(toBuffer(data)));
    if (!parsed || !parsed.success) {
      this.refuse(session, 'hello-required', 'the first message must be {"type":"hello","serial":..,"token":..}');
      return false;
    }
    const { serial, token, deviceTime } = parsed.data;
    const device = this.deps.config.devices.get(serial);
    if (!device) {
      // Visible to the operator as pending (and one unknown-device event), but it cannot send without a token.
      this.safely(() => this.deps.store.transaction(() => this.reporter.contact({ serial, configured: false, protocol: 'ws', pushVersion: null, now: new Date().toISOString(), remoteAddress: session.remoteAddress })));
      this.refuse(session, 'unknown-device', `serial ${serial} is not configured on this gateway`);
      return false;
    }
    if (device.protocol !== 'ws') {
      this.refuse(session, 'not-a-ws-device', `serial ${serial} is configured as ${device.protocol}`);
      return false;
    }
    if (!sameSecret(token, device.token.reveal())) {
      this.deps.logger.warn({ serial, remoteAddress: session.remoteAddress }, 'WS hello with a wrong token');
      this.refuse(session, 'auth-failed', 'wrong token');
      return false;
    }
    session.serial = serial;
    const now = new Date();
    this.safely(() => {
      this.deps.health?.register(serial, 'ws');
      this.deps.health?.contact(serial, 'ws', session.remoteAddress, now);
      if (!this.deps.health) this.deps.store.devices.recordContact({ serial, configured: true, protocol: 'ws', pushVersion: null, now: now.toISOString() });
    });
    this.measureClock(serial, deviceTime, now);
    this.send(session, { type: 'welcome', serial, protocolVersion: WS_PROTOCOL_VERSION, serverTime: now.toISOString(), heartbeatSeconds: Math.round(this.options.heartbeatMs / 1000) });
    return true;
  }

  /** Reserves the message's place among the connection's answers now, fills it when its handling is done. */
  private answerInOrder(session: Session, data: RawData, isBinary: boolean): void {
    const place = session.replies.reserve();
    if (session.replies.pending >= MAX_UNANSWERED_PER_CONNECTION && !session.socket.isPaused) session.socket.pause();
    const reply = (answer: ServerMessage | null) => {
      place(answer);
      if (session.socket.isPaused && session.replies.pending <= MAX_UNANSWERED_PER_CONNECTION / 2) session.socket.resume();
    };
    this.message(session, data, isBinary).then(reply, (error: unknown) => {
      // A bug must not hold the later answers back; this message gets none, so the client sends it again.
      this.deps.logger.error({ err: error, serial: session.serial }, 'WS message handling failed');
      reply(null);
    });
  }

  private async message(session: Session, data: RawData, isBinary: boolean): Promise<ServerMessage | null> {
    const serial = session.serial!;
    const frame = toBuffer(data);
    const receivedAt = new Date();
    if (isBinary) return this.invalid(session, frame, null, 'binary-frame', 'binary frames are not part of the protocol; send JSON text', receivedAt);
    const json = parseJson(frame);
    if (json === INVALID_JSON) return this.invalid(session, frame, null, 'invalid-json', 'the frame is not valid JSON', receivedAt);
    const parsed = ClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ').slice(0, 1000);
      return this.invalid(session, frame, salvageMessageId(json), 'invalid-message', detail, receivedAt);
    }
    const message = parsed.data;
    switch (message.type) {
      case 'hello':
        return this.invalid(session, frame, null, 'invalid-message', 'hello was already received on this connection', receivedAt);
      case 'ping':
        this.measureClock(serial, message.deviceTime, receivedAt);
        return { type: 'pong', id: message.id ?? null, serverTime: new Date().toISOString() };
      case 'punch':
      case 'punches': {
        const records = message.type === 'punch' ? [message.punch] : message.punches;
        let outcome;
        try {
          outcome = await this.deps.messages.storePunches({ serial, messageType: message.type, frame, records, backfill: message.backfill ?? false, receivedAt });
        } catch (error) {
          return this.storageFailed(session, message.id, error);
        }
        // The group has committed: now, and only now, the device may forget these punches.
        return { type: 'ack', id: message.id, stored: outcome.stored, quarantined: outcome.quarantined, results: outcome.results };
      }
    }
  }

  /** Quarantines the frame, then nacks; if even that cannot be stored, the nack says "retry". */
  private async invalid(session: Session, frame: Buffer, id: string | null, reason: WsNackReason, detail: string, receivedAt: Date): Promise<ServerMessage> {
    try {
      await this.deps.messages.quarantineMessage({ serial: session.serial!, frame, reason, detail, receivedAt });
    } catch (error) {
      return this.storageFailed(session, id, error);
    }
    return { type: 'nack', id, reason, detail, retryable: false };
  }

  private storageFailed(session: Session, id: string | null, error: unknown): ServerMessage {
    if (error instanceof DiskBudgetExceededError) {
      return { type: 'nack', id, reason: 'storage-full', detail: 'gateway storage budget spent; keep the data and retry later', retryable: true };
    }
    this.deps.logger.error({ err: error, serial: session.serial }, 'could not store WS message; client will retry');
    return { type: 'nack', id, reason: 'storage-unavailable', detail: 'could not store the message; retry', retryable: true };
  }

  private measureClock(serial: string, deviceTime: string | undefined, at: Date): void {
    if (!deviceTime || !this.deps.health) return;
    this.safely(() => this.deps.health!.clock(serial, Date.parse(deviceTime) - at.getTime(), null, at));
  }

  private refuse(session: Session, reason: WsCloseReason, detail: string): void {
    this.send(session, { type: 'error', reason, detail });
    session.socket.close(WS_CLOSE_CODES[reason], reason);
  }

  private send(session: Session, message: ServerMessage): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(message));
  }

  private beat(): void {
    for (const session of this.sessions) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }

  /** Presence and skew are telemetry: a failure to record them must not break the connection. */
  private safely(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'could not record WS device state');
    }
  }
}

const INVALID_JSON = Symbol('invalid-json');

function parseJson(frame: Buffer): unknown {
  try {
    return JSON.parse(frame.toString('utf8')) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Constant-time comparison of the presented token with the configured one. */
function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

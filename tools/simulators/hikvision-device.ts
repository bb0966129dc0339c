import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deviceLocalTime } from './device-clock';
import { answerEventCount } from './hikvision-event-count';
import { HikvisionUserStore } from './hikvision-user-store';

/**
 * A simulated Hikvision access terminal (DS-K1T class) speaking ISAPI over real HTTP, modelled on the
 * DS-K1T673DX-BR captures in device-protocols.md §3 (GoFacialEmulator stream_60/77/80):
 * - HTTP Digest on every ISAPI path, with the captured challenge shape (`opaque=""`, `domain="::"`, quoted
 *   `stale`), nonces that expire (answered with `stale="true"`), `nc` replay protection, and knobs for the
 *   quirks other clients broke on: realms with brackets, a `:` in the nonce, several WWW-Authenticate headers;
 * - `POST /ISAPI/AccessControl/AcsEvent?format=json` over the stored events, paged like firmware (page cap,
 *   MORE / OK / NO MATCH, InfoList omitted when empty, strict about half a serial window);
 * - `GET /ISAPI/Event/notification/alertStream`: multipart/mixed, each event's part followed by the next
 *   delimiter in the same write, optional face pictures, heartbeats, replay of recent events on connect
 *   (`currentEvent: false`), and it can drop or stall its streams;
 * - an httpHosts pusher that POSTs `multipart/form-data` with an `event_log` part exactly like stream_80.
 * The real emulator skips digest auth (brief §3.8); this one exists so the gateway's client is tested with it.
 */
export interface HikvisionDeviceOptions {
  username?: string;
  password?: string;
  realm?: string;
  opaque?: string;
  domain?: string;
  /** `both` offers SHA-256 and MD5 as two WWW-Authenticate headers (RFC 7616 style). */
  algorithm?: 'MD5' | 'SHA-256' | 'both';
  /** `colon`: nonces like `636144c2:2970b5fd...` (tomas/needle#415). */
  nonceStyle?: 'base64' | 'colon';
  nonceTtlMs?: number;
  /** Most results the device returns per search page, whatever `maxResults` asks (firmware caps it). */
  pageCap?: number;
  timeZone?: string;
  shortSerialNumber?: string;
  deviceName?: string;
  ipAddress?: string;
  macAddress?: string;
  firstSerialNo?: number;
  /** alertStream heartbeat period; 0 = none (the captured device sent none on connect). */
  heartbeatMs?: number;
  /** Events re-sent with `currentEvent: false` when a stream connects (the device replays its buffer). */
  replayOnConnect?: number;
  /** Follow face events (minor 75) with a JPEG part, as the capture does. */
  pictures?: boolean;
  /** httpHosts listener: every new event is POSTed here too. */
  httpHostsUrl?: string;
}

export interface SimEvent {
  serialNo: number;
  /** Serial of the event pushed before this one (what the device puts in `frontSerialNo`). */
  frontSerialNo: number;
  major: number;
  minor: number;
  at: Date;
  employeeNoString?: string;
  cardNo?: string;
  name?: string;
  currentVerifyMode: string;
  attendanceStatus: string;
}

export interface NewEvent {
  major?: number;
  minor?: number;
  at?: Date;
  employeeNoString?: string;
  cardNo?: string;
  name?: string;
  currentVerifyMode?: string;
  attendanceStatus?: string;
}

export interface HikvisionDeviceStats {
  requests: number;
  challenges: number;
  staleChallenges: number;
  authFailures: number;
  searches: number;
  alertStreams: number;
  pushesSent: number;
  pushFailures: number;
  algorithmsUsed: string[];
}

interface NonceState {
  issuedAt: number;
  /** nc values already used with this nonce: a repeat is a replay (order is not enforced). */
  usedNc: Set<number>;
  algorithm: 'MD5' | 'SHA-256';
  expired: boolean;
}

interface StreamClient {
  res: ServerResponse;
  stalled: boolean;
  heartbeat: NodeJS.Timeout | undefined;
}

const BOUNDARY = 'MIME_boundary';
const SEARCH_PATH = '/ISAPI/AccessControl/AcsEvent';
const ALERT_PATH = '/ISAPI/Event/notification/alertStream';

/** The 401 body of the captures. */
const USER_CHECK_401 =
  '<?xml version="1.0" encoding="UTF-8"?>\n<userCheck version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n<isActivated>false</isActivated>\n</userCheck>\n';

export class HikvisionDevice {
  readonly options: Required<Omit<HikvisionDeviceOptions, 'httpHostsUrl'>> & { httpHostsUrl: string | undefined };
  /** What the AcsEvent search sees (the device's event store). */
  readonly events: SimEvent[] = [];
  /** Persons written through ISAPI UserInfo (push-users). */
  readonly users = new HikvisionUserStore();
  /** Size of the event store, reported by the AcsEventTotalNum capabilities (firmware typically 100,000+). */
  eventCapacity = 100_000;
  readonly stats: HikvisionDeviceStats = {
    requests: 0,
    challenges: 0,
    staleChallenges: 0,
    authFailures: 0,
    searches: 0,
    alertStreams: 0,
    pushesSent: 0,
    pushFailures: 0,
    algorithmsUsed: [],
  };
  private server: Server | null = null;
  private nextSerial: number;
  private lastPushed: number;
  private readonly nonces = new Map<string, NonceState>();
  private readonly streams = new Set<StreamClient>();
  private loseInStream = 0;
  /** The device clock runs this far ahead of real time (negative = behind); GET /ISAPI/System/time shows it. */
  clockOffsetMs = 0;
  private readonly pending = new Set<Promise<unknown>>();

  constructor(options: HikvisionDeviceOptions = {}) {
    this.options = {
      username: options.username ?? 'admin',
      password: options.password ?? 'hik12345',
      realm: options.realm ?? 'DS-4D43F695',
      opaque: options.opaque ?? '',
      domain: options.domain ?? '::',
      algorithm: options.algorithm ?? 'MD5',
      nonceStyle: options.nonceStyle ?? 'base64',
      nonceTtlMs: options.nonceTtlMs ?? 60_000,
      pageCap: options.pageCap ?? 30,
      timeZone: options.timeZone ?? 'America/Sao_Paulo',
      shortSerialNumber: options.shortSerialNumber ?? 'AA8066966',
      deviceName: options.deviceName ?? 'subdoorOne',
      ipAddress: options.ipAddress ?? '192.168.1.81',
      macAddress: options.macAddress ?? 'bc:5e:33:57:a5:cb',
      firstSerialNo: options.firstSerialNo ?? 1,
      heartbeatMs: options.heartbeatMs ?? 0,
      replayOnConnect: options.replayOnConnect ?? 0,
      pictures: options.pictures ?? false,
      httpHostsUrl: options.httpHostsUrl,
    };
    this.nextSerial = this.options.firstSerialNo;
    this.lastPushed = this.nextSerial - 1;
  }

  /** Starts the HTTP server (port 0 = any free port) and returns its base URL. */
  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  async close(): Promise<void> {
    for (const client of this.streams) this.endStream(client, true);
    await Promise.allSettled([...this.pending]);
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ------------------------------------------------------------------------------------------ events

  /** Records an event (default: a face punch now): stored for search, streamed, and pushed to httpHosts. */
  addEvent(input: NewEvent = {}): SimEvent {
    const serialNo = this.nextSerial++;
    const major = input.major ?? 5;
    const minor = input.minor ?? 75;
    const isUserEvent = major === 5 && input.employeeNoString !== undefined;
    const event: SimEvent = {
      serialNo,
      frontSerialNo: this.lastPushed,
      major,
      minor,
      at: input.at ?? new Date(),
      currentVerifyMode: input.currentVerifyMode ?? (isUserEvent ? 'faceOrFpOrCardOrPw' : 'invalid'),
      attendanceStatus: input.attendanceStatus ?? 'undefined',
      ...(input.employeeNoString !== undefined ? { employeeNoString: input.employeeNoString } : {}),
      ...(input.cardNo !== undefined ? { cardNo: input.cardNo } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
    };
    this.events.push(event);
    this.lastPushed = serialNo;
    if (this.loseInStream > 0) {
      // Lost in transit: the device believes it sent it (the next event's frontSerialNo names it).
      this.loseInStream--;
    } else {
      for (const client of this.streams) this.writeEvent(client, event, true);
      if (this.options.httpHostsUrl) this.track(this.pushEvent(this.options.httpHostsUrl, event).catch(() => undefined));
    }
    return event;
  }

  /** A punch by `employeeNoString` (face by default). */
  punch(employeeNoString: string, input: NewEvent = {}): SimEvent {
    return this.addEvent({ name: `Employee ${employeeNoString}`, cardNo: employeeNoString.padStart(10, '0'), ...input, employeeNoString });
  }

  /** Serial numbers consumed by events that are neither stored nor pushed (a hole in the device's numbering). */
  skipSerials(count: number): void {
    this.nextSerial += count;
  }

  /** The next `count` events are stored (search finds them) but never reach the stream or httpHosts. */
  loseNextInStream(count: number): void {
    this.loseInStream += count;
  }

  /** Factory reset / event store cleared: serials restart. */
  resetEventStore(firstSerialNo = 1): void {
    this.events.length = 0;
    this.nextSerial = firstSerialNo;
    this.lastPushed = firstSerialNo - 1;
  }

  // ------------------------------------------------------------------------------------------ auth knobs

  /** Every nonce issued so far becomes stale: the next request using one gets `stale="true"`. */
  expireNonces(): void {
    for (const state of this.nonces.values()) state.expired = true;
  }

  /** Forgets every nonce (a reboot): the next request gets a plain 401 without `stale`. */
  forgetNonces(): void {
    this.nonces.clear();
  }

  // ------------------------------------------------------------------------------------------ stream knobs

  get openStreams(): number {
    return this.streams.size;
  }

  /** Cuts every alertStream connection abruptly (device reboot, cable pulled). */
  dropAlertStreams(): void {
    for (const client of this.streams) this.endStream(client, true);
  }

  /** Keeps the connections open but sends nothing more on them (the silent-stream failure, P7). */
  stallAlertStreams(): void {
    for (const client of this.streams) {
      client.stalled = true;
      clearInterval(client.heartbeat);
    }
  }

  // ------------------------------------------------------------------------------------------ httpHosts

  /** POSTs one event to an httpHosts listener exactly like stream_80; resolves to the HTTP status. */
  async pushEvent(url: string, event: SimEvent, options: { picture?: boolean } = {}): Promise<number> {
    const json = formatDeviceJson(this.envelope(event, true, new URL(url).port));
    const parts: Buffer[] = [
      Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="event_log"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n`),
    ];
    if (options.picture ?? (this.options.pictures && event.minor === 75)) {
      const jpeg = fakePicture(event.serialNo);
      parts.push(
        Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`),
        jpeg,
        Buffer.from('\r\n'),
      );
    }
    parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, Accept: '*/*' }, body: Buffer.concat(parts) });
      await response.arrayBuffer();
      this.stats.pushesSent++;
      return response.status;
    } catch (error) {
      this.stats.pushFailures++;
      throw error;
    }
  }

  // ------------------------------------------------------------------------------------------ HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    const body = await readBody(req);
    if (!this.authorized(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://device');
    if (req.method === 'POST' && url.pathname === SEARCH_PATH) return this.search(body, res);
    if (req.method === 'GET' && url.pathname === ALERT_PATH) return this.openStream(res);
    if (req.method === 'GET' && url.pathname === '/ISAPI/System/time') {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Time version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n<timeMode>manual</timeMode>\n<localTime>${this.isoTime(new Date(Date.now() + this.clockOffsetMs))}</localTime>\n<timeZone>CST+3:00:00</timeZone>\n</Time>\n`,
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/ISAPI/System/deviceInfo') {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<DeviceInfo version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n<deviceName>${this.options.deviceName}</deviceName>\n<model>DS-K1T673DX-BR</model>\n<serialNumber>DS-K1T673DX-BR20240101V031800EN${this.options.shortSerialNumber}</serialNumber>\n<macAddress>${this.options.macAddress}</macAddress>\n</DeviceInfo>\n`,
      );
      return;
    }
    const answer = this.users.handle(req.method ?? 'GET', url.pathname, body) ?? answerEventCount(req.method ?? 'GET', url.pathname, body, this.events, this.eventCapacity);
    if (answer) return sendJson(res, answer.status, answer.json);
    sendJson(res, 404, { statusCode: 4, statusString: 'Invalid Operation', subStatusCode: 'notSupport' });
  }

  private challenge(res: ServerResponse, stale: boolean): void {
    this.stats.challenges++;
    if (stale) this.stats.staleChallenges++;
    const algorithms: ('MD5' | 'SHA-256')[] = this.options.algorithm === 'both' ? ['SHA-256', 'MD5'] : [this.options.algorithm];
    const headers = algorithms.map((algorithm) => {
      const nonce = this.newNonce(algorithm);
      const algorithmParam = algorithm === 'MD5' && this.options.algorithm === 'MD5' ? '' : `, algorithm=${algorithm}`;
      return `Digest qop="auth", realm="${this.options.realm}", nonce="${nonce}", stale="${stale}", opaque="${this.options.opaque}", domain="${this.options.domain}"${algorithmParam}`;
    });
    res.writeHead(401, { 'Content-Type': 'application/xml', 'WWW-Authenticate': headers, 'X-Frame-Options': 'SAMEORIGIN' });
    res.end(USER_CHECK_401);
  }

  private newNonce(algorithm: 'MD5' | 'SHA-256'): string {
    const hex = randomBytes(16).toString('hex');
    const nonce = this.options.nonceStyle === 'colon' ? `${randomBytes(4).toString('hex')}:${hex}` : Buffer.from(hex).toString('base64');
    this.nonces.set(nonce, { issuedAt: Date.now(), usedNc: new Set(), algorithm, expired: false });
    return nonce;
  }

  /** Server-side Digest check, written independently of the gateway's client so one cannot mask the other. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const header = req.headers.authorization;
    if (!header?.startsWith('Digest ')) {
      this.challenge(res, false);
      return false;
    }
    const p = parseAuthorizationHeader(header.slice(7));
    const state = this.nonces.get(p.get('nonce') ?? '');
    if (!state) {
      this.challenge(res, false);
      return false;
    }
    if (state.expired || Date.now() - state.issuedAt > this.options.nonceTtlMs) {
      this.nonces.delete(p.get('nonce')!);
      this.challenge(res, true);
      return false;
    }
    const nc = parseInt(p.get('nc') ?? '', 16);
    const hash = (text: string) => createHash(state.algorithm === 'MD5' ? 'md5' : 'sha256').update(text).digest('hex');
    const ha1 = hash(`${p.get('username')}:${this.options.realm}:${this.options.password}`);
    const ha2 = hash(`${req.method}:${p.get('uri')}`);
    const expected = hash(`${ha1}:${p.get('nonce')}:${p.get('nc')}:${p.get('cnonce')}:auth:${ha2}`);
    const ok =
      p.get('username') === this.options.username &&
      p.get('realm') === this.options.realm &&
      p.get('uri') === req.url &&
      p.get('qop') === 'auth' &&
      Number.isInteger(nc) &&
      nc > 0 &&
      !state.usedNc.has(nc) &&
      p.get('response') === expected &&
      (this.options.opaque === '' || p.get('opaque') === this.options.opaque);
    if (!ok) {
      this.stats.authFailures++;
      this.challenge(res, false);
      return false;
    }
    state.usedNc.add(nc);
    if (!this.stats.algorithmsUsed.includes(state.algorithm)) this.stats.algorithmsUsed.push(state.algorithm);
    return true;
  }

  private search(body: string, res: ServerResponse): void {
    this.stats.searches++;
    let cond: Record<string, unknown>;
    try {
      const parsed = JSON.parse(body) as { AcsEventCond?: Record<string, unknown> };
      if (typeof parsed.AcsEventCond !== 'object' || parsed.AcsEventCond === null) throw new Error('no AcsEventCond');
      cond = parsed.AcsEventCond;
    } catch {
      return sendJson(res, 400, { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'badJsonContent' });
    }
    const int = (name: string) => (typeof cond[name] === 'number' ? (cond[name] as number) : undefined);
    const position = int('searchResultPosition');
    const maxResults = int('maxResults');
    if (typeof cond['searchID'] !== 'string' || position === undefined || maxResults === undefined || int('major') === undefined) {
      return sendJson(res, 400, { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'MessageParametersLack' });
    }
    const begin = int('beginSerialNo');
    const end = int('endSerialNo');
    if ((begin === undefined) !== (end === undefined)) {
      return sendJson(res, 400, { statusCode: 6, statusString: 'Invalid Content', subStatusCode: 'MessageParametersLack' });
    }
    const major = int('major') ?? 0;
    const minor = int('minor') ?? 0;
    const startMs = typeof cond['startTime'] === 'string' ? Date.parse(cond['startTime']) : undefined;
    const endMs = typeof cond['endTime'] === 'string' ? Date.parse(cond['endTime']) : undefined;
    let matching = this.events.filter(
      (e) =>
        (major === 0 || e.major === major) &&
        (minor === 0 || e.minor === minor) &&
        (!begin || e.serialNo >= begin) &&
        (!end || e.serialNo <= end) &&
        (startMs === undefined || e.at.getTime() >= startMs) &&
        (endMs === undefined || e.at.getTime() <= endMs),
    );
    if (cond['timeReverseOrder'] === true) matching = [...matching].sort((a, b) => b.at.getTime() - a.at.getTime() || b.serialNo - a.serialNo);
    const page = matching.slice(position, position + Math.min(maxResults, this.options.pageCap));
    const status = matching.length === 0 ? 'NO MATCH' : position + page.length < matching.length ? 'MORE' : 'OK';
    const acsEvent: Record<string, unknown> = { searchID: cond['searchID'], responseStatusStrg: status, numOfMatches: page.length, totalMatches: matching.length };
    if (page.length > 0) acsEvent['InfoList'] = page.map((e) => this.searchItem(e));
    sendJson(res, 200, { AcsEvent: acsEvent });
  }

  private openStream(res: ServerResponse): void {
    this.stats.alertStreams++;
    res.writeHead(200, { 'MIME-Version': '1.0', Connection: 'keep-alive', 'Content-Type': `multipart/mixed; boundary=${BOUNDARY}` });
    res.write(`--${BOUNDARY}\r\n`);
    const client: StreamClient = { res, stalled: false, heartbeat: undefined };
    this.streams.add(client);
    res.on('close', () => this.endStream(client, false));
    if (this.options.replayOnConnect > 0) {
      for (const event of this.events.slice(-this.options.replayOnConnect)) this.writeEvent(client, event, false);
    }
    if (this.options.heartbeatMs > 0) {
      client.heartbeat = setInterval(() => this.writePart(client, formatDeviceJson(this.heartbeat())), this.options.heartbeatMs);
    }
  }

  private endStream(client: StreamClient, destroy: boolean): void {
    clearInterval(client.heartbeat);
    this.streams.delete(client);
    if (destroy) client.res.socket?.destroy();
  }

  private writeEvent(client: StreamClient, event: SimEvent, current: boolean): void {
    this.writePart(client, formatDeviceJson(this.envelope(event, current, '80')));
    if (this.options.pictures && event.minor === 75) {
      const jpeg = fakePicture(event.serialNo);
      this.write(
        client,
        Buffer.concat([
          Buffer.from(`Content-Disposition: form-data; name="Picture"; filename="Picture.jpg"\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nContent-ID: pictureImage\r\n\r\n`),
          jpeg,
          Buffer.from(`\r\n--${BOUNDARY}\r\n`),
        ]),
      );
    }
  }

  /** One JSON part and the next delimiter in a single write, as in stream_77. */
  private writePart(client: StreamClient, json: string): void {
    this.write(client, Buffer.from(`Content-Type: application/json; charset="UTF-8"\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n--${BOUNDARY}\r\n`));
  }

  private write(client: StreamClient, bytes: Buffer): void {
    if (client.stalled || client.res.destroyed) return;
    client.res.write(bytes);
  }

  private track(promise: Promise<unknown>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }

  // ------------------------------------------------------------------------------------------ formats

  /** Device time as ISO 8601 with the zone's offset, like `2026-04-17T19:23:48-03:00`. */
  isoTime(at: Date): string {
    return `${deviceLocalTime(at, this.options.timeZone).replace(' ', 'T')}${zoneOffset(at, this.options.timeZone)}`;
  }

  private searchItem(e: SimEvent): Record<string, unknown> {
    return {
      major: e.major,
      minor: e.minor,
      time: this.isoTime(e.at),
      ...(e.cardNo !== undefined ? { cardNo: e.cardNo, cardType: 1 } : {}),
      ...(e.name !== undefined ? { name: e.name } : {}),
      cardReaderNo: 1,
      doorNo: 1,
      ...(e.employeeNoString !== undefined ? { employeeNoString: e.employeeNoString, userType: 'normal' } : {}),
      serialNo: e.serialNo,
      currentVerifyMode: e.currentVerifyMode,
      attendanceStatus: e.attendanceStatus,
      label: '',
      mask: e.employeeNoString !== undefined ? 'no' : 'unknown',
      pictureURL: '',
      picturesNumber: e.minor === 75 && this.options.pictures ? 1 : 0,
    };
  }

  private envelope(e: SimEvent, current: boolean, portNo: string): Record<string, unknown> {
    return {
      ipAddress: this.options.ipAddress,
      portNo: Number(portNo) || 80,
      protocol: 'HTTP',
      macAddress: this.options.macAddress,
      channelID: 1,
      dateTime: this.isoTime(e.at),
      activePostCount: 1,
      eventType: 'AccessControllerEvent',
      eventState: 'active',
      eventDescription: 'Access Controller Event',
      shortSerialNumber: this.options.shortSerialNumber,
      AccessControllerEvent: {
        deviceName: this.options.deviceName,
        majorEventType: e.major,
        subEventType: e.minor,
        ...(e.cardNo !== undefined ? { cardNo: e.cardNo, cardType: 1 } : {}),
        ...(e.name !== undefined ? { name: e.name } : {}),
        cardReaderKind: 1,
        cardReaderNo: 1,
        ...(e.employeeNoString !== undefined ? { employeeNoString: e.employeeNoString, userType: 'normal' } : {}),
        serialNo: e.serialNo,
        currentVerifyMode: e.currentVerifyMode,
        currentEvent: current,
        frontSerialNo: e.frontSerialNo,
        attendanceStatus: e.attendanceStatus,
        label: '',
        statusValue: 0,
        mask: e.employeeNoString !== undefined ? 'no' : 'unknown',
        helmet: 'unknown',
        ...(e.minor === 75 && this.options.pictures ? { picturesNumber: 1 } : {}),
        purePwdVerifyEnable: true,
        licensePlateNo: '',
      },
    };
  }

  /** [INFERRED] heartbeat shape: the captures show none; JSON streams name it `heartBeat`. */
  private heartbeat(): Record<string, unknown> {
    return {
      ipAddress: this.options.ipAddress,
      macAddress: this.options.macAddress,
      dateTime: this.isoTime(new Date()),
      activePostCount: 0,
      eventType: 'heartBeat',
      eventState: 'active',
      eventDescription: 'heartBeat',
    };
  }
}

/** Pretty JSON the way the captured firmware writes it: TAB indentation and a TAB after each colon. */
export function formatDeviceJson(value: unknown): string {
  return JSON.stringify(value, null, '\t').replace(/^(\t*"(?:[^"\\]|\\.)*"): /gm, '$1:\t');
}

/** Deterministic JPEG-like bytes (SOI marker, CR/LF and dashes inside) for picture parts. */
export function fakePicture(seed: number, size = 4096): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed + 1;
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state >> 16;
  }
  bytes.write('\xff\xd8\xff\xe0', 0, 'latin1');
  bytes.write(`\r\n--${BOUNDARY.slice(0, 8)}\r\n`, 200, 'latin1');
  return bytes;
}

function zoneOffset(at: Date, timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  return match ? `${match[1]}:${match[2] ?? '00'}` : '+00:00';
}

/** `name="quoted"` or `name=token` pairs of an Authorization header (after `Digest `). */
function parseAuthorizationHeader(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset="UTF-8"' });
  res.end(JSON.stringify(body));
}

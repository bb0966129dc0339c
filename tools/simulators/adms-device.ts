import { deviceLocalTime } from './device-clock';

export interface AdmsReply {
  status: number;
  body: string;
  headers: Headers;
}

export interface AttlogPunch {
  pin: string;
  localTime: string;
  status?: string;
  verify?: string;
  workCode?: string;
}

/**
 * A simulated ZKTeco/eSSL device speaking PUSH 2.x (ADMS) over real HTTP, like the firmware does: it starts
 * with the handshake, uploads ATTLOG as TAB-separated lines, and considers a batch delivered only when the
 * server answers `OK: n`. Anything else and the device keeps the batch (see `AdmsSimulatorRunner`).
 */
export class AdmsDevice {
  stamp = 0;

  constructor(
    readonly serial: string,
    private readonly gatewayUrl: string,
    readonly timeZone: string,
    private readonly pushVersion = '2.4.1',
  ) {}

  async handshake(): Promise<AdmsReply & { options: Map<string, string> }> {
    const reply = await this.request('GET', `/iclock/cdata?SN=${this.serial}&options=all&pushver=${this.pushVersion}&language=69`);
    const options = new Map<string, string>();
    for (const line of reply.body.split(/\r?\n/).slice(1)) {
      const eq = line.indexOf('=');
      if (eq > 0) options.set(line.slice(0, eq), line.slice(eq + 1));
    }
    return { ...reply, options };
  }

  /** Posts a raw ATTLOG body exactly as given (for golden fixtures: CRLF, extra fields, malformed lines). */
  async uploadAttlogBody(body: string | Buffer): Promise<AdmsReply> {
    this.stamp++;
    return this.request('POST', `/iclock/cdata?SN=${this.serial}&table=ATTLOG&Stamp=${this.stamp}`, body);
  }

  async uploadPunches(punches: readonly AttlogPunch[]): Promise<AdmsReply> {
    return this.uploadAttlogBody(punches.map(formatAttlogLine).join('\n') + '\n');
  }

  async poll(): Promise<AdmsReply> {
    return this.request('GET', `/iclock/getrequest?SN=${this.serial}`);
  }

  /** A punch happening now on this device, in its own zone. */
  punchNow(pin: string, at = new Date()): AttlogPunch {
    return { pin, localTime: deviceLocalTime(at, this.timeZone), status: String(Math.round(Math.random())), verify: '15' };
  }

  private async request(method: 'GET' | 'POST', path: string, body?: string | Buffer): Promise<AdmsReply> {
    const response = await fetch(new URL(path, this.gatewayUrl), {
      method,
      headers: { 'User-Agent': 'iClock Proxy/1.09', 'Content-Type': 'text/plain', Connection: 'close' },
      ...(body !== undefined ? { body } : {}),
    });
    return { status: response.status, body: await response.text(), headers: response.headers };
  }
}

export function formatAttlogLine(p: AttlogPunch): string {
  return [p.pin, p.localTime, p.status ?? '0', p.verify ?? '1', p.workCode ?? '0', '0', '0'].join('\t');
}

export function isOkReply(reply: AdmsReply, expectedCount: number): boolean {
  return reply.status === 200 && reply.body.trim() === `OK: ${expectedCount}`;
}

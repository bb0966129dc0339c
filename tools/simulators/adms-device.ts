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
  /** The device's own attendance log: every punch it recorded, pushed or not (what DATA QUERY re-reads). */
  readonly attendanceLog: AttlogPunch[] = [];
  /** Punches the push path "loses" (kept in the log, so a later DATA QUERY ATTLOG recovers them). */
  private readonly droppedFromPush = new Set<AttlogPunch>();
  private pushedUpTo = 0;
  /** Every command this device received, with what it answered (for assertions). */
  readonly commandsRun: { id: string; command: string; answer: string }[] = [];

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

  /** Records a punch in the device log; with `dropFromPush` the push path skips it (a lost upload). */
  recordPunch(punch: AttlogPunch, options: { dropFromPush?: boolean } = {}): AttlogPunch {
    this.attendanceLog.push(punch);
    if (options.dropFromPush) this.droppedFromPush.add(punch);
    return punch;
  }

  /** Uploads the log entries recorded since the last push (except dropped ones); they count as sent on `OK: n`. */
  async pushNew(): Promise<AdmsReply | null> {
    const fresh = this.unpushed();
    const upTo = this.attendanceLog.length;
    if (fresh.length === 0) {
      this.pushedUpTo = upTo;
      return null;
    }
    const reply = await this.uploadPunches(fresh);
    if (isOkReply(reply, fresh.length)) this.pushedUpTo = upTo;
    return reply;
  }

  /** Log entries the next pushNew() will upload (recorded since the last acknowledged push, not dropped). */
  unpushed(): AttlogPunch[] {
    return this.attendanceLog.slice(this.pushedUpTo).filter((p) => !this.droppedFromPush.has(p));
  }

  /**
   * One getrequest poll, then runs every `C:<id>:<cmd>` it got and posts the results to devicecmd, like the
   * firmware (device-protocols.md §1.7, §1.8, §12 of the SPEC):
   * - `DATA QUERY ATTLOG StartTime=..\tEndTime=..` re-uploads that window of the log as ATTLOG, then `Return=0`
   *   (`-1` when the window is empty, as a real device answered);
   * - `VERIFY SUM ATTLOG StartTime=..\tEndTime=..` answers `AttlogSum=<count in the window>`;
   * - `INFO` answers its configuration lines (`TransactionCount`, `~MaxAttLogCount`);
   * - `CHECK`, `LOG`, `REBOOT` answer `Return=0`; anything else `-1002` (not supported).
   * Returns the commands run.
   */
  async runCommands(): Promise<{ id: string; command: string; answer: string }[]> {
    const reply = await this.poll();
    const run: { id: string; command: string; answer: string }[] = [];
    for (const line of reply.body.split(/\r?\n/)) {
      const match = /^C:([^:]+):(.*)$/.exec(line);
      if (!match) continue;
      const [, id, command] = match as unknown as [string, string, string];
      run.push({ id, command, answer: await this.execute(id, command) });
    }
    if (run.length > 0) {
      const result = await this.request('POST', `/iclock/devicecmd?SN=${this.serial}`, run.map((r) => r.answer).join('\n') + '\n');
      if (result.status !== 200 || result.body.trim() !== 'OK') throw new Error(`devicecmd not accepted: HTTP ${result.status} ${result.body}`);
    }
    this.commandsRun.push(...run);
    return run;
  }

  /** Posts any table's body as the firmware does (OPERLOG, ATTPHOTO, options, ...), with its own Stamp. */
  async uploadTable(table: string, body: string | Buffer, options: { path?: string; stamp?: string } = {}): Promise<AdmsReply> {
    const stamp = options.stamp ?? String(++this.stamp);
    return this.request('POST', `${options.path ?? '/iclock/cdata'}?SN=${this.serial}&table=${table}&Stamp=${stamp}`, body);
  }

  /** A getrequest poll carrying device info (SPEC §9): `INFO=<firmware>,<users>,<fps>,<records>,<ip>,...`. */
  async pollWithInfo(info: string): Promise<AdmsReply> {
    return this.request('GET', `/iclock/getrequest?SN=${this.serial}&INFO=${encodeURIComponent(info)}`);
  }

  async ping(): Promise<AdmsReply> {
    return this.request('GET', `/iclock/ping?SN=${this.serial}`);
  }

  /** Posts a raw devicecmd body exactly as given (golden fixtures). */
  async postCommandResults(body: string): Promise<AdmsReply> {
    return this.request('POST', `/iclock/devicecmd?SN=${this.serial}`, body);
  }

  private async execute(id: string, command: string): Promise<string> {
    const verb = command.split(' ').slice(0, 2).join(' ');
    if (command.startsWith('DATA QUERY ATTLOG')) {
      const window = this.logWindow(command);
      if (window.length === 0) return `ID=${id}&Return=-1&CMD=DATA`;
      for (let i = 0; i < window.length; i += 100) {
        const chunk = window.slice(i, i + 100);
        const reply = await this.uploadPunches(chunk);
        if (!isOkReply(reply, chunk.length)) return `ID=${id}&Return=-1003&CMD=DATA`;
      }
      return `ID=${id}&Return=0&CMD=DATA`;
    }
    if (command.startsWith('VERIFY SUM ATTLOG')) return `ID=${id}&Return=0&CMD=VERIFY SUM&AttlogSum=${this.logWindow(command).length}`;
    if (command.trim() === 'INFO') {
      // Multi-line answer: the device's configuration as key=value lines (record count and log capacity).
      return [`ID=${id}&Return=0&CMD=INFO`, '~DeviceName=AdmsSimulator', `TransactionCount=${this.attendanceLog.length}`, '~MaxAttLogCount=10'].join('\n');
    }
    if (['CHECK', 'LOG', 'REBOOT'].includes(command.trim())) return `ID=${id}&Return=0&CMD=${command.trim()}`;
    return `ID=${id}&Return=-1002&CMD=${verb}`;
  }

  /** The log entries within `StartTime=..\tEndTime=..` (inclusive; local times compare as strings). */
  private logWindow(command: string): AttlogPunch[] {
    const start = /StartTime=(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/.exec(command)?.[1] ?? '0000';
    const end = /EndTime=(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})/.exec(command)?.[1] ?? '9999';
    return this.attendanceLog.filter((p) => p.localTime >= start && p.localTime <= end);
  }

  /** A punch happening now on this device, in its own zone. */
  punchNow(pin: string, at = new Date()): AttlogPunch {
    return { pin, localTime: deviceLocalTime(at, this.timeZone), status: String(Math.round(Math.random())), verify: '15' };
  }

  /** Any request of this device (PUSH 3.x endpoints, odd paths). */
  async request(method: 'GET' | 'POST', path: string, body?: string | Buffer): Promise<AdmsReply> {
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

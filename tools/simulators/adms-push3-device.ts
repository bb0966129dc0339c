import { AdmsDevice, type AdmsReply } from './adms-device';
import { deviceLocalTime } from './device-clock';

export interface RtlogEvent {
  pin: string;
  localTime: string;
  /** Security PUSH event code; 0 = normal verified open. */
  event?: string;
  inOutStatus?: string;
  verifyType?: string;
  cardNo?: string;
  index?: number;
}

/**
 * A simulated ZKTeco access-control device speaking PUSH 3.x ("Security PUSH", device-protocols.md §1.9):
 * handshake with `pushver=3.1.2`, `POST /iclock/registry` with its capabilities, `POST /iclock/push` for the
 * session configuration, then realtime events as `POST /iclock/cdata?table=rtlog` (TAB-separated key=value).
 * Commands come through getrequest/devicecmd as in 2.x (inherited).
 */
export class AdmsPush3Device extends AdmsDevice {
  private nextIndex = 1;

  constructor(serial: string, gatewayUrl: string, timeZone: string) {
    super(serial, gatewayUrl, timeZone, '3.1.2');
  }

  async register(capabilities = '~DeviceName=inBio460,FirmVer=AC Ver 5.7.8.3033,LockCount=4,ReaderCount=4,~MaxAttLogCount=10,TransactionCount=120'): Promise<AdmsReply> {
    return this.request('POST', `/iclock/registry?SN=${this.serial}&pushver=3.1.2`, capabilities);
  }

  async fetchPushConfig(): Promise<AdmsReply & { config: Map<string, string> }> {
    const reply = await this.request('POST', `/iclock/push?SN=${this.serial}&pushver=3.1.2`, '');
    const config = new Map<string, string>();
    for (const line of reply.body.split(/\r?\n/)) {
      const eq = line.indexOf('=');
      if (eq > 0) config.set(line.slice(0, eq), line.slice(eq + 1));
    }
    return { ...reply, config };
  }

  async uploadRtlog(events: readonly RtlogEvent[]): Promise<AdmsReply> {
    return this.uploadTable('rtlog', events.map((e) => formatRtlogLine(e, e.index ?? this.nextIndex++)).join('\r\n') + '\r\n');
  }

  rtlogNow(pin: string, at = new Date()): RtlogEvent {
    return { pin, localTime: deviceLocalTime(at, this.timeZone), event: '0', inOutStatus: '0', verifyType: '1' };
  }
}

export function formatRtlogLine(e: RtlogEvent, index: number): string {
  return [
    `time=${e.localTime}`,
    `pin=${e.pin}`,
    `cardno=${e.cardNo ?? '0'}`,
    'eventaddr=1',
    `event=${e.event ?? '0'}`,
    `inoutstatus=${e.inOutStatus ?? '0'}`,
    `verifytype=${e.verifyType ?? '1'}`,
    `index=${index}`,
  ].join('\t');
}

import type { EdgeStore } from '../store/edge-store';
import type { AdmsDeviceHealth } from './adms-device-health';
import { AdmsDeviceInfoRepository } from './adms-device-info.repository';
import { admsProtocol } from './adms-request';
import { capacityFromOptions, parseInfoParameter } from './device-info-parser';

/**
 * What an ADMS device tells us about itself, kept in `adms_device_info` and passed on as health facts: the
 * attendance-record count (getrequest `INFO=`, options) against the log capacity (options `~MaxAttLogCount`)
 * becomes the capacity level, and device-time readings become clock skew. Capacity and skew events are
 * emitted by the health tracker on level changes only.
 */
export class AdmsDeviceInfoService {
  readonly info: AdmsDeviceInfoRepository;

  constructor(
    private readonly store: EdgeStore,
    private readonly health: AdmsDeviceHealth | null,
  ) {
    this.info = new AdmsDeviceInfoRepository(store.db);
  }

  /** `GET /iclock/getrequest?SN=..&INFO=<firmware>,<users>,<fps>,<records>,<ip>,...` */
  fromInfoParameter(serial: string, infoParameter: string, at: Date): void {
    const parsed = parseInfoParameter(infoParameter);
    const now = at.toISOString();
    this.info.patch(serial, { firmware: parsed.firmware, userCount: parsed.userCount, fingerprintCount: parsed.fingerprintCount, recordCount: parsed.recordCount, faceCount: parsed.faceCount }, now);
    if (parsed.recordCount !== null) this.reportCapacity(serial, parsed.recordCount, at);
  }

  /** `POST /iclock/cdata?SN=..&table=options` (`k=v,...`), or the key=value lines of an INFO result. */
  fromOptions(serial: string, options: Record<string, string>, at: Date): void {
    const now = at.toISOString();
    this.info.mergeOptions(serial, options, now);
    const { recordsUsed, recordsMax } = capacityFromOptions(options);
    this.info.patch(serial, { recordCount: recordsUsed, recordsMax }, now);
    const count = recordsUsed ?? this.info.get(serial)?.recordCount ?? null;
    if (count !== null) this.reportCapacity(serial, count, at);
  }

  clock(serial: string, skewMs: number, deviceLocalTime: string | null, at: Date): void {
    if (!this.health) return;
    this.health.register(serial, this.protocolOf(serial));
    this.health.clock(serial, skewMs, deviceLocalTime ? deviceLocalTime.replace(' ', 'T') : null, at);
  }

  private reportCapacity(serial: string, recordsUsed: number, at: Date): void {
    if (!this.health) return;
    this.health.register(serial, this.protocolOf(serial));
    this.health.capacity(serial, recordsUsed, this.info.get(serial)?.recordsMax ?? null, at);
  }

  /** PUSH 2.x or 3.x, from the pushver the device last sent. */
  private protocolOf(serial: string): 'zk-push2' | 'zk-push3' {
    return admsProtocol(this.store.devices.get(serial)?.pushVersion ?? null);
  }
}

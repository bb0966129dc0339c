import { F } from './device-record';

type FieldName = (typeof F)[keyof typeof F];

/**
 * One device's changes from one or more messages, as operations of the APPLY script (see lua-scripts.ts).
 * Mappers build these from contract values; merging several into one per device keeps a batch of 2,000
 * punches of 50 devices at 50 script calls.
 */
export class DeviceUpdate {
  readonly ops: string[] = [];

  constructor(
    readonly tenantId: string,
    readonly deviceSerial: string,
    readonly siteId: string,
  ) {
    this.set(F.tenant, tenantId).set(F.serial, deviceSerial).set(F.site, siteId);
  }

  get key(): string {
    return `${this.tenantId}:${this.deviceSerial}`;
  }

  set(field: FieldName, value: string | number): this {
    this.ops.push('S', field, String(value));
    return this;
  }

  max(field: FieldName, value: number): this {
    this.ops.push('M', field, String(value));
    return this;
  }

  increment(field: FieldName, delta: number): this {
    this.ops.push('I', field, String(delta));
    return this;
  }

  /** Fields observed at `atMs`; ignored if a newer observation of the same kind was already stored. */
  newest(timeField: FieldName, atMs: number, fields: Partial<Record<FieldName, string | number>>): this {
    const entries = Object.entries(fields);
    this.ops.push('N', timeField, String(atMs), String(entries.length));
    for (const [field, value] of entries) this.ops.push(field, String(value));
    return this;
  }

  reachability(gatewayId: string, reachable: boolean, atMs: number): this {
    this.ops.push('G', gatewayId, reachable ? '1' : '0', String(atMs));
    return this;
  }

  /** Appends another update of the same device (its identity fields are repeated harmlessly). */
  merge(other: DeviceUpdate): this {
    this.ops.push(...other.ops);
    return this;
  }
}

/** One update per device, in first-seen order; later operations of a device run after earlier ones. */
export function mergeByDevice(updates: readonly DeviceUpdate[]): DeviceUpdate[] {
  const byKey = new Map<string, DeviceUpdate>();
  for (const update of updates) {
    const existing = byKey.get(update.key);
    if (existing) existing.merge(update);
    else byKey.set(update.key, update);
  }
  return [...byKey.values()];
}

import type { PunchProtocol } from '@attendance/contracts';

/**
 * Protocols where the gateway reads the device (ZK binary on TCP 4370, Hikvision ISAPI searches). Those
 * devices get one lease holder, so that two gateways on one LAN do not both poll a device (ZK devices take
 * one session at a time). Push devices choose their gateway themselves and need no lease.
 */
const PULL_MODE: ReadonlySet<PunchProtocol> = new Set<PunchProtocol>(['zk-tcp', 'hik-isapi']);

export function isPullMode(protocol: PunchProtocol): boolean {
  return PULL_MODE.has(protocol);
}

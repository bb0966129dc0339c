/**
 * The push-users work a pulled device (ZK TCP, Hikvision) does, as the command executor sees it. ADMS devices
 * take the same users through their getrequest queue (adms-device-commands.ts) instead.
 */
export interface DeviceUserPush {
  /** Users to write, by enrolled id; `name` null when the roster cache does not know it. */
  upserts: readonly { userId: string; name: string | null }[];
  deletes: readonly string[];
}

export interface DeviceUserFailure {
  userId: string;
  action: 'write' | 'delete';
  /** A kebab-case cause: `name-too-long`, `ack-error`, ISAPI `subStatusCode`... */
  code: string;
  detail: string;
  /** `gateway`: refused before sending (a name that does not fit, no uid left); `device`: the device said no. */
  source: 'device' | 'gateway';
}

export interface DeviceUserPushOutcome {
  /** Users attempted (writes + deletes). */
  sent: number;
  failed: DeviceUserFailure[];
}

export interface UserPushTarget {
  pushUsers(push: DeviceUserPush): Promise<DeviceUserPushOutcome>;
}

export function canPushUsers(device: object): device is UserPushTarget {
  return typeof (device as Partial<UserPushTarget>).pushUsers === 'function';
}

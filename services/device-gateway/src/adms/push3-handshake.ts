import { createHash } from 'node:crypto';

/**
 * PUSH 3.x ("Security PUSH") registration replies (device-protocols.md §1.9). The device registers with
 * `POST /iclock/registry` and gets a `RegistryCode`; it then fetches its session configuration from
 * `POST /iclock/push`. Attendance then arrives as `cdata?table=rtlog` uploads, commands via getrequest.
 */

/** A stable registry code per serial (the device echoes it; it carries no secret). */
export function registryCode(serial: string): string {
  return createHash('sha256').update(`adms-registry:${serial}`).digest('hex').slice(0, 16);
}

/** Reply to `POST /iclock/push`: which tables to send, in real time, and how often to poll. */
export function buildPushConfigReply(input: { serial: string }): string {
  const lines = [
    'ServerVer=3.1.2',
    'PushVersion=3.1.2',
    'ErrorDelay=30',
    'RequestDelay=10',
    'TransInterval=1',
    'TransTables=User Transaction',
    'Realtime=1',
    `SessionID=${registryCode(input.serial)}`,
    'TimeoutSec=10',
  ];
  return lines.join('\n') + '\n';
}

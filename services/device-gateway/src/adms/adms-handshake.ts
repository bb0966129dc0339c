import { admsTimeZoneOption } from '@attendance/contracts';

/** Tables whose upload position we persist and hand back (device-protocols.md §1.2). */
const STAMPED_TABLES = ['ATTLOG', 'OPERLOG', 'ATTPHOTO'] as const;
/** Older firmware reads these names for the same markers; sending both is harmless. */
const LEGACY_STAMP_NAMES: Record<(typeof STAMPED_TABLES)[number], string> = { ATTLOG: 'Stamp', OPERLOG: 'OpStamp', ATTPHOTO: 'PhotoStamp' };

/**
 * Builds the reply to `GET /iclock/cdata?SN=..&options=all`. TimeZone is computed from the device's IANA zone
 * at this instant, in the unit the device expects (hours, or minutes when not whole hours: never `5.5`).
 * The HTTP `Date:` header (GMT), which the device syncs its clock from, is set by the HTTP server.
 *
 * TRICKY: a stamp we never stored is `None`, never 0: 0 asks the device to re-upload everything.
 */
export function buildHandshakeReply(input: { serial: string; timeZone: string; stamps: ReadonlyMap<string, string>; now: Date; pushGeneration?: 2 | 3 }): string {
  // PUSH 3.x firmware reads the same option lines; it is told the server speaks 3.1.2 (then registry/push).
  const serverVersion = input.pushGeneration === 3 ? '3.1.2' : '2.4.1';
  const lines = [`GET OPTION FROM: ${input.serial}`];
  for (const table of STAMPED_TABLES) {
    const stamp = input.stamps.get(table) ?? 'None';
    lines.push(`${table}Stamp=${stamp}`, `${LEGACY_STAMP_NAMES[table]}=${stamp}`);
  }
  lines.push(
    'ErrorDelay=30',
    'Delay=10',
    'TransTimes=00:00;14:05',
    'TransInterval=1',
    'TransFlag=TransData AttLog\tOpLog\tEnrollUser\tChgUser',
    `TimeZone=${admsTimeZoneOption(input.timeZone, input.now)}`,
    'Realtime=1',
    'Encrypt=None',
    `ServerVer=${serverVersion}`,
    `PushProtVer=${serverVersion}`,
  );
  return lines.join('\n') + '\n';
}

/**
 * The 4-byte CMD_AUTH payload derived from the numeric comm key (device password) and the session id, as the
 * vendor's commpro.c `MakeKey` does and pyzk's `make_commkey` reproduces (brief §2.3). Written from the
 * description, not copied (pyzk is GPL-2.0), and checked against pyzk's captured CMD_AUTH packets:
 *  1. reverse the 32 bits of the key;
 *  2. add the session id (unsigned 32-bit arithmetic, wrapping like the C original; pyzk would raise instead);
 *  3. XOR the four little-endian bytes with 'Z', 'K', 'S', 'O';
 *  4. swap the two 16-bit halves;
 *  5. XOR bytes 0, 1 and 3 with the tick byte and put the tick byte itself in byte 2.
 */
export const ZK_COMMKEY_TICKS = 50;

export function makeZkCommKey(commKey: number, sessionId: number, ticks = ZK_COMMKEY_TICKS): Buffer {
  if (!Number.isInteger(commKey) || commKey < 0 || commKey > 0xffffffff) {
    throw new RangeError(`comm key must be an integer 0..4294967295, got ${commKey}`);
  }
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) {
    reversed = ((reversed << 1) | ((commKey >>> bit) & 1)) >>> 0;
  }
  const scrambled = Buffer.alloc(4);
  scrambled.writeUInt32LE((reversed + (sessionId & 0xffff)) >>> 0, 0);
  const salt = [0x5a, 0x4b, 0x53, 0x4f]; // "ZKSO"
  const x = scrambled.map((byte, i) => byte ^ salt[i]!);
  const swapped = [x[2]!, x[3]!, x[0]!, x[1]!];
  const tick = ticks & 0xff;
  return Buffer.from([swapped[0]! ^ tick, swapped[1]! ^ tick, tick, swapped[3]! ^ tick]);
}

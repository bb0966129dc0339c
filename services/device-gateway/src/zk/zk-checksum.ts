/**
 * The ZK header checksum (device-protocols.md §2.2, verified against pyzk and zk-protocol fixtures): the
 * payload summed as little-endian u16 words with the checksum field (bytes 2-3) counted as zero and an odd
 * trailing byte added as a plain value, carries folded back into 16 bits, then the ones' complement.
 *
 * pyzk reaches the same bytes with modulo-65535 arithmetic over the packet before it increments the reply
 * id; both forms are the RFC 1071 ones'-complement sum, so we use the textbook one.
 */
export function zkChecksum(payload: Uint8Array): number {
  let sum = 0;
  const evenEnd = payload.length & ~1;
  for (let i = 0; i < evenEnd; i += 2) {
    if (i === 2) continue; // the checksum field itself
    sum += payload[i]! | (payload[i + 1]! << 8);
  }
  if (payload.length & 1) sum += payload[payload.length - 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Whether the checksum stored at bytes 2-3 matches the payload. Payloads shorter than a header never match. */
export function hasValidZkChecksum(payload: Uint8Array): boolean {
  if (payload.length < 8) return false;
  return (payload[2]! | (payload[3]! << 8)) === zkChecksum(payload);
}

import { hasValidZkChecksum, zkChecksum } from './zk-checksum';
import { ZK_HEADER_LENGTH, ZK_REPLY_ID_MODULUS } from './zk-constants';

/**
 * One ZK payload (brief §2.1): the 8-byte header `u16 command | u16 checksum | u16 sessionId | u16 replyId`
 * followed by command data. In realtime event packets the sessionId field carries the event code and the
 * reply id is 0 (§2.8); in chunked CMD_DATA replies some firmware puts a frame sequence number there.
 */
export interface ZkPacket {
  command: number;
  checksum: number;
  sessionId: number;
  replyId: number;
  data: Buffer;
}

export interface ZkPacketFields {
  command: number;
  sessionId: number;
  replyId: number;
  data?: Uint8Array;
}

export type ZkPayloadDecode =
  | { ok: true; packet: ZkPacket; checksumValid: boolean }
  | { ok: false; reason: 'short-header'; length: number };

/** Builds a payload (header + data) with its checksum. Fields are taken modulo 2^16, as on the wire. */
export function encodeZkPayload(fields: ZkPacketFields): Buffer {
  const data = fields.data ?? Buffer.alloc(0);
  const payload = Buffer.alloc(ZK_HEADER_LENGTH + data.length);
  payload.writeUInt16LE(fields.command & 0xffff, 0);
  payload.writeUInt16LE(fields.sessionId & 0xffff, 4);
  payload.writeUInt16LE(fields.replyId & 0xffff, 6);
  payload.set(data, ZK_HEADER_LENGTH);
  payload.writeUInt16LE(zkChecksum(payload), 2);
  return payload;
}

/**
 * Splits a payload into header fields and data. The checksum is reported, not enforced: the connection
 * decides what a mismatch means (pyzk never checks it; every real capture we have carries a correct one).
 * The data is a copy, so packets stay valid after the receive buffer is reused.
 */
export function decodeZkPayload(payload: Buffer): ZkPayloadDecode {
  if (payload.length < ZK_HEADER_LENGTH) return { ok: false, reason: 'short-header', length: payload.length };
  return {
    ok: true,
    checksumValid: hasValidZkChecksum(payload),
    packet: {
      command: payload.readUInt16LE(0),
      checksum: payload.readUInt16LE(2),
      sessionId: payload.readUInt16LE(4),
      replyId: payload.readUInt16LE(6),
      data: Buffer.from(payload.subarray(ZK_HEADER_LENGTH)),
    },
  };
}

/** The reply id of the request after `replyId`: 0..65534, then back to 0. */
export function nextZkReplyId(replyId: number): number {
  return (replyId + 1) % ZK_REPLY_ID_MODULUS;
}

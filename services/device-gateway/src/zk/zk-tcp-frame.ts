import { ZK_MAX_TCP_PAYLOAD, ZK_TCP_MAGIC, ZK_TCP_PREFIX_LENGTH } from './zk-constants';

/**
 * TCP framing (brief §2.1): `50 50 82 7D` + u32 little-endian payload length, then the payload. TCP is a byte
 * stream, so a frame may arrive in pieces and several frames may arrive in one read; the reader below keeps
 * the unfinished tail and says exactly how many bytes are still missing instead of guessing.
 */
export function encodeZkTcpFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(ZK_TCP_PREFIX_LENGTH + payload.length);
  ZK_TCP_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(payload.length, 4);
  frame.set(payload, ZK_TCP_PREFIX_LENGTH);
  return frame;
}

export type ZkFrameScan =
  | { kind: 'frame'; payload: Buffer; frameLength: number }
  /** `needed` = bytes missing before the frame (or at least its prefix) is complete. */
  | { kind: 'incomplete'; needed: number }
  | { kind: 'invalid'; reason: 'bad-magic' | 'oversized'; detail: string };

/** Looks at the frame starting at `offset` without consuming anything. */
export function scanZkTcpFrame(buffer: Buffer, offset = 0): ZkFrameScan {
  const available = buffer.length - offset;
  const magicBytes = Math.min(available, ZK_TCP_MAGIC.length);
  for (let i = 0; i < magicBytes; i++) {
    if (buffer[offset + i] !== ZK_TCP_MAGIC[i]) {
      return { kind: 'invalid', reason: 'bad-magic', detail: `expected 5050827d at byte ${offset}, got ${buffer.subarray(offset, offset + 8).toString('hex')}` };
    }
  }
  if (available < ZK_TCP_PREFIX_LENGTH) return { kind: 'incomplete', needed: ZK_TCP_PREFIX_LENGTH - available };
  const length = buffer.readUInt32LE(offset + 4);
  if (length > ZK_MAX_TCP_PAYLOAD) {
    return { kind: 'invalid', reason: 'oversized', detail: `frame announces ${length} payload bytes (limit ${ZK_MAX_TCP_PAYLOAD})` };
  }
  const frameLength = ZK_TCP_PREFIX_LENGTH + length;
  if (available < frameLength) return { kind: 'incomplete', needed: frameLength - available };
  return { kind: 'frame', payload: buffer.subarray(offset + ZK_TCP_PREFIX_LENGTH, offset + frameLength), frameLength };
}

export interface ZkFrameReadResult {
  /** Complete payloads in arrival order (copies, safe to keep). */
  payloads: Buffer[];
  /** Set when the stream cannot be framed any more; the reader stays failed (the connection must be dropped). */
  error: { reason: 'bad-magic' | 'oversized'; detail: string } | null;
}

/**
 * Incremental framer for one TCP connection. A framing error is terminal: the byte stream has lost its
 * boundaries and a record-looking sequence inside data could fake a frame start, so resynchronising by
 * searching for the magic would risk decoding garbage as punches. The caller drops the connection and
 * reconnects instead.
 */
export class ZkTcpFrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private failure: ZkFrameReadResult['error'] = null;

  push(chunk: Uint8Array): ZkFrameReadResult {
    if (this.failure) return { payloads: [], error: this.failure };
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const payloads: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const scan = scanZkTcpFrame(this.pending, offset);
      if (scan.kind === 'incomplete') break;
      if (scan.kind === 'invalid') {
        this.failure = { reason: scan.reason, detail: scan.detail };
        this.pending = Buffer.alloc(0);
        return { payloads, error: this.failure };
      }
      payloads.push(Buffer.from(scan.payload));
      offset += scan.frameLength;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return { payloads, error: null };
  }

  /** Bytes of an unfinished frame held back; non-zero at connection end means the device cut a frame short. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Bytes still needed to finish the held-back frame (0 when nothing is pending). */
  get neededBytes(): number {
    if (this.pending.length === 0) return 0;
    const scan = scanZkTcpFrame(this.pending);
    return scan.kind === 'incomplete' ? scan.needed : 0;
  }
}

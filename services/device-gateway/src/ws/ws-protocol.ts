import { z } from 'zod';

/**
 * The WebSocket device/agent protocol (docs/ws-device-protocol.md), version 1: JSON text frames.
 * Client → gateway: hello, punch, punches, ping. Gateway → client: welcome, ack, nack, pong, error.
 * Message envelopes are validated here; single punch records separately (ws-punch-record.ts), so one bad
 * record is quarantined without refusing the rest of its message.
 */
export const WS_PROTOCOL_VERSION = 1;
/** Records per `punches` message; larger batches are refused whole (nack) so an ack stays small. */
export const WS_MAX_PUNCHES_PER_MESSAGE = 500;
/** Frames above this are refused by the socket (close 1009) before any parsing. */
export const WS_MAX_FRAME_BYTES = 1024 * 1024;

const MessageIdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const HelloSchema = z.object({
  type: z.literal('hello'),
  serial: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a device serial: letters, digits and . _ -'),
  token: z.string().min(1).max(512),
  protocolVersion: z.literal(WS_PROTOCOL_VERSION).optional(),
  /** The device's clock (UTC ISO-8601); used only to measure skew. */
  deviceTime: z.string().datetime({ offset: true }).optional(),
});

export const ClientMessageSchema = z.discriminatedUnion('type', [
  HelloSchema,
  z.object({ type: z.literal('punch'), id: MessageIdSchema, punch: z.unknown(), backfill: z.boolean().optional() }),
  z.object({ type: z.literal('punches'), id: MessageIdSchema, punches: z.array(z.unknown()).min(1).max(WS_MAX_PUNCHES_PER_MESSAGE), backfill: z.boolean().optional() }),
  z.object({ type: z.literal('ping'), id: MessageIdSchema.optional(), deviceTime: z.string().datetime({ offset: true }).optional() }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

/** What happened to one record of an acked message. */
export type WsRecordResult = { index: number; status: 'stored'; eventId: string } | { index: number; status: 'quarantined'; reason: string; detail: string };

export type ServerMessage =
  | { type: 'welcome'; serial: string; protocolVersion: number; serverTime: string; heartbeatSeconds: number }
  | { type: 'ack'; id: string; stored: number; quarantined: number; results: WsRecordResult[] }
  | { type: 'nack'; id: string | null; reason: WsNackReason; detail: string; retryable: boolean }
  | { type: 'pong'; id: string | null; serverTime: string }
  | { type: 'error'; reason: WsCloseReason; detail: string };

/**
 * Why a message was refused. Not retryable: the message itself is wrong (it is quarantined, so nothing is
 * lost; sending it again gives the same answer). Retryable: the gateway could not store it now.
 */
export type WsNackReason = 'invalid-json' | 'invalid-message' | 'binary-frame' | 'storage-full' | 'storage-unavailable';

export type WsCloseReason = 'hello-required' | 'hello-timeout' | 'auth-failed' | 'unknown-device' | 'not-a-ws-device';

/** Close codes in the 4000-4999 application range. */
export const WS_CLOSE_CODES: Record<WsCloseReason, number> = {
  'hello-required': 4400,
  'auth-failed': 4401,
  'unknown-device': 4403,
  'not-a-ws-device': 4403,
  'hello-timeout': 4408,
};

/** The `id` of a message we could not validate, when it has a usable one (so the client can match the nack). */
export function salvageMessageId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return MessageIdSchema.safeParse(id).success ? (id as string) : null;
}

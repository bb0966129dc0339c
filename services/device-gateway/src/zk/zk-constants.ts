/**
 * Wire constants of the ZK binary protocol on TCP 4370 (device-protocols.md §2.1, §2.4, §2.8).
 * Only the subset the gateway needs. Destructive commands are deliberately absent from {@link ZkCommand}:
 * the gateway never clears, deletes or restarts anything on a device (P8), and
 * {@link ZK_FORBIDDEN_COMMANDS} makes the connection refuse them even if a caller builds one by number.
 */
export const ZK_DEFAULT_PORT = 4370;

/** TCP frame prefix: two u16 words 0x5050, 0x7D82, little-endian on the wire. */
export const ZK_TCP_MAGIC = Buffer.from([0x50, 0x50, 0x82, 0x7d]);
/** 4 magic bytes + u32 payload length. */
export const ZK_TCP_PREFIX_LENGTH = 8;
/** u16 command | u16 checksum | u16 sessionId | u16 replyId. */
export const ZK_HEADER_LENGTH = 8;
/**
 * Largest payload we accept in one frame. Real devices send at most one 0xFFC0-byte chunk plus header per
 * frame; anything far larger is a desynchronised stream, not data, and must not make us buffer megabytes.
 */
export const ZK_MAX_TCP_PAYLOAD = 1 << 20;

/** Reply ids run 0..65534 and wrap to 0, as pyzk's sequencing does (it never sends 65535). */
export const ZK_REPLY_ID_MODULUS = 0xffff;

export const ZkCommand = {
  /** Writes one user record (pyzk set_user): the 72- or 28-byte layout of the device's user table. */
  USER_WRQ: 8,
  USERTEMP_RRQ: 9,
  OPTIONS_RRQ: 11,
  ATTLOG_RRQ: 13,
  GET_FREE_SIZES: 50,
  GET_TIME: 201,
  SET_TIME: 202,
  REG_EVENT: 500,
  CONNECT: 1000,
  EXIT: 1001,
  ENABLE_DEVICE: 1002,
  DISABLE_DEVICE: 1003,
  REFRESH_DATA: 1013,
  GET_VERSION: 1100,
  AUTH: 1102,
  PREPARE_DATA: 1500,
  DATA: 1501,
  FREE_DATA: 1502,
  /** pyzk `_CMD_PREPARE_BUFFER`: asks the device to stage a dataset for a buffered read. */
  DATA_WRRQ: 1503,
  /** pyzk `_CMD_READ_BUFFER`: asks for one chunk `<i start><i size>` of the staged dataset. */
  DATA_RDY: 1504,
} as const;

export const ZkReply = {
  ACK_OK: 2000,
  ACK_ERROR: 2001,
  ACK_DATA: 2002,
  ACK_RETRY: 2003,
  ACK_REPEAT: 2004,
  ACK_UNAUTH: 2005,
  ACK_ERROR_DATA: 0xfffb,
  ACK_ERROR_INIT: 0xfffc,
  ACK_ERROR_CMD: 0xfffd,
  ACK_UNKNOWN: 0xffff,
} as const;

/** Realtime event flags (CMD_REG_EVENT mask, and the event code carried in an event packet's sessionId). */
export const ZkEventFlag = {
  ATTLOG: 1,
  FINGER: 2,
  ENROLLUSER: 4,
  ENROLLFINGER: 8,
  BUTTON: 16,
  UNLOCK: 32,
  VERIFY: 128,
  FPFTR: 256,
  ALARM: 512,
} as const;

/**
 * Commands that delete data or interrupt the device: CLEAR_DATA 14, CLEAR_ATTLOG 15, DELETE_USER 18,
 * DELETE_USERTEMP 19, CLEAR_ADMIN 20, CLEAR_OPLOG 33, RESTART 1004, POWEROFF 1005. Logs are cleared only by
 * an operator policy after cloud acknowledgement (brief §2.9, P8), never by this code.
 */
export const ZK_FORBIDDEN_COMMANDS: ReadonlySet<number> = new Set([14, 15, 18, 19, 20, 33, 1004, 1005]);

/**
 * CMD_DELETE_USER (`<h uid>`): the one destructive command with a legitimate caller, an operator's push-users
 * command naming the users to remove. It stays in {@link ZK_FORBIDDEN_COMMANDS}, so nothing sends it by
 * accident; the connection lets it through only with the explicit `explicit-user-delete` permit, which only
 * ZkTcpSession.writeUsers passes. Attendance logs are never touched by it.
 */
export const ZK_CMD_DELETE_USER = 18;
export type ZkCommandPermit = 'explicit-user-delete';

/** pyzk's TCP chunk size for buffered reads: "arbitrary, below 0x10008" (brief §2.5). */
export const ZK_TCP_CHUNK_SIZE = 0xffc0;

/** Dataset ids for CMD_DATA_WRRQ (`<b h i i>` = 1, command, fct, ext). FCT_USER = 5 for the user table. */
export const ZK_FCT_USER = 5;

const NAMES = new Map<number, string>([
  ...Object.entries(ZkCommand).map(([name, code]) => [code, `CMD_${name}`] as [number, string]),
  ...Object.entries(ZkReply).map(([name, code]) => [code, `CMD_${name}`] as [number, string]),
]);

/** `CMD_ACK_OK (2000)`, for logs and error messages. */
export function zkCommandName(code: number): string {
  const name = NAMES.get(code);
  return name ? `${name} (${code})` : `command ${code}`;
}

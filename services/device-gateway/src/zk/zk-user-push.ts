import type { ZkConnection } from './zk-connection';
import { ZK_CMD_DELETE_USER, ZkCommand, ZkReply, zkCommandName } from './zk-constants';
import type { ZkLogger } from './zk-logger';
import { planZkUserChanges, type ZkUserChanges } from './zk-user-plan';
import type { ZkUserRecord } from './zk-user-record';
import { encodeZkNewUser, patchZkUserName, type ZkUserCharset, type ZkUserRecordSize } from './zk-user-write';

/** One user of a push: written (`created` when the uid is new) or deleted, or why not. */
export type ZkUserWriteOutcome =
  | { userId: string; action: 'write' | 'delete'; ok: true; uid: number | null; created: boolean }
  | { userId: string; action: 'write' | 'delete'; ok: false; code: string; detail: string; source: 'device' | 'gateway' };

export interface ZkUserWriteReport {
  /** In the order asked: the writes, then the deletes. */
  results: ZkUserWriteOutcome[];
  recordSize: ZkUserRecordSize;
  /** CMD_REFRESHDATA acknowledged after the changes (false also when nothing changed). */
  refreshed: boolean;
}

export interface ZkUserTable {
  users: readonly ZkUserRecord[];
  /** The table's records back to back, as the device sent them (for patching an enrolled user in place). */
  raw: Buffer;
}

export interface ZkUserWriteOptions {
  recordSize: ZkUserRecordSize;
  charset: ZkUserCharset;
  commandTimeoutMs: number;
  logger: ZkLogger;
}

/**
 * The request sequence of a push-users on a connection whose user table was just read (the caller holds the
 * session's exclusive turn): records that cannot be written are refused before uids are handed out (no uid
 * gaps), then CMD_USER_WRQ per user, CMD_DELETE_USER per removed user (through the explicit permit), and one
 * CMD_REFRESHDATA so the terminal applies them. A user the device refuses (full, bad record) fails alone.
 */
export async function writeZkUsers(connection: ZkConnection, table: ZkUserTable, changes: ZkUserChanges, options: ZkUserWriteOptions): Promise<ZkUserWriteReport> {
  const { recordSize, charset, commandTimeoutMs } = options;
  const results: ZkUserWriteOutcome[] = [];
  const refuse = (userId: string, code: string, detail: string, source: 'device' | 'gateway', action: 'write' | 'delete' = 'write') =>
    results.push({ userId, action, ok: false, code, detail, source });
  const writable = changes.upserts.filter((user) => {
    const check = encodeZkNewUser({ uid: 1, userId: user.userId, name: user.name ?? '' }, recordSize, charset);
    if (!check.ok) refuse(user.userId, check.reason, check.detail, 'gateway');
    return check.ok;
  });
  const plan = planZkUserChanges(table.users, { upserts: writable, deletes: changes.deletes });
  for (const r of plan.refused) refuse(r.userId, r.reason, r.detail, 'gateway');

  let changed = false;
  for (const write of plan.writes) {
    const existing = write.existingIndex === null ? null : table.raw.subarray(write.existingIndex * recordSize, (write.existingIndex + 1) * recordSize);
    if (existing && write.name === null) {
      results.push({ userId: write.userId, action: 'write', ok: true, uid: write.uid, created: false }); // enrolled, no name to change
      continue;
    }
    const encoded = existing ? patchZkUserName(existing, write.name ?? '', charset) : encodeZkNewUser({ ...write, name: write.name ?? '' }, recordSize, charset);
    if (!encoded.ok) {
      refuse(write.userId, encoded.reason, encoded.detail, 'gateway');
      continue;
    }
    const reply = await connection.request(ZkCommand.USER_WRQ, encoded.bytes, commandTimeoutMs);
    if (reply.command !== ZkReply.ACK_OK) {
      refuse(write.userId, replyCode(reply.command), `device answered ${zkCommandName(reply.command)} to CMD_USER_WRQ for uid ${write.uid}`, 'device');
      continue;
    }
    changed = true;
    results.push({ userId: write.userId, action: 'write', ok: true, uid: write.uid, created: existing === null });
  }
  for (const remove of plan.deletes) {
    const data = Buffer.alloc(2);
    data.writeUInt16LE(remove.uid, 0);
    const reply = await connection.request(ZK_CMD_DELETE_USER, data, commandTimeoutMs, 'explicit-user-delete');
    if (reply.command !== ZkReply.ACK_OK) {
      refuse(remove.userId, replyCode(reply.command), `device answered ${zkCommandName(reply.command)} to CMD_DELETE_USER for uid ${remove.uid}`, 'device', 'delete');
      continue;
    }
    changed = true;
    results.push({ userId: remove.userId, action: 'delete', ok: true, uid: remove.uid, created: false });
  }
  for (const userId of plan.alreadyAbsent) results.push({ userId, action: 'delete', ok: true, uid: null, created: false });

  let refreshed = false;
  if (changed) {
    // zk-protocol / pyzk: written users take effect on the terminal after CMD_REFRESHDATA.
    const reply = await connection.request(ZkCommand.REFRESH_DATA, undefined, commandTimeoutMs);
    refreshed = reply.command === ZkReply.ACK_OK;
    if (!refreshed) options.logger.warn({ reply: zkCommandName(reply.command) }, 'CMD_REFRESHDATA refused after a user write; the device applies the users at its next refresh');
  }
  const ordered = inRequestOrder(results, changes);
  options.logger.info(
    { written: ordered.filter((r) => r.ok && r.action === 'write').length, deleted: ordered.filter((r) => r.ok && r.action === 'delete').length, failed: ordered.filter((r) => !r.ok).length },
    'ZK users written by explicit request',
  );
  return { results: ordered, recordSize, refreshed };
}

function inRequestOrder(results: ZkUserWriteOutcome[], changes: ZkUserChanges): ZkUserWriteOutcome[] {
  const order = new Map<string, number>();
  changes.upserts.forEach((u, i) => order.has(`write:${u.userId}`) || order.set(`write:${u.userId}`, i));
  changes.deletes.forEach((id, i) => order.has(`delete:${id}`) || order.set(`delete:${id}`, changes.upserts.length + i));
  return [...results].sort((a, b) => (order.get(`${a.action}:${a.userId}`) ?? 0) - (order.get(`${b.action}:${b.userId}`) ?? 0));
}

/** `ack-error` for CMD_ACK_ERROR (2001) etc.: the code a refused user command is reported with. */
function replyCode(command: number): string {
  const name = Object.entries(ZkReply).find(([, code]) => code === command)?.[0];
  return name ? name.toLowerCase().replace(/_/g, '-') : `reply-${command}`;
}

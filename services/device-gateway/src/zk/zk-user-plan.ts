import type { ZkUserRecord } from './zk-user-record';

/**
 * What a push-users command asks of one ZK device: users (by enrolled id) to write, and to remove. A null name
 * (not in the roster cache) leaves an enrolled user's name as it is and gives a new user none.
 */
export interface ZkUserChanges {
  upserts: readonly { userId: string; name: string | null }[];
  deletes: readonly string[];
}

export interface ZkPlannedWrite {
  userId: string;
  name: string | null;
  uid: number;
  /** Index of the user's record in the table read, when the user is already on the device (an update). */
  existingIndex: number | null;
}

export interface ZkUserPlan {
  writes: ZkPlannedWrite[];
  deletes: { userId: string; uid: number }[];
  /** Deletes of users the device does not have: nothing to do (the wanted state already holds). */
  alreadyAbsent: string[];
  /** Users that cannot be written: no uid left, or the same user both written and deleted. */
  refused: { userId: string; reason: 'no-free-uid' | 'conflicting-request'; detail: string }[];
}

const MAX_UID = 0xffff;

/**
 * Decides which uid (the device's internal user serial) each user gets, from the user table just read:
 * - a user already enrolled keeps their uid (matched by the enrolled id exactly: "0012" is not "12");
 * - a new user gets the next uid above every uid on the device, as pyzk does. Never a free slot below it:
 *   8-byte attendance records name users by uid only, so a uid freed by a deleted user may still label that
 *   user's punches in the log, and handing it to someone else would re-attribute them.
 * Users are written before deletes run, so a uid removed by this same command is not reused by it either.
 */
export function planZkUserChanges(existing: readonly Pick<ZkUserRecord, 'uid' | 'userId'>[], changes: ZkUserChanges): ZkUserPlan {
  const byUserId = new Map<string, { uid: number; index: number }>();
  existing.forEach((user, index) => {
    if (user.userId !== null && user.userId !== '' && !byUserId.has(user.userId)) byUserId.set(user.userId, { uid: user.uid, index });
  });
  let nextUid = existing.reduce((max, u) => Math.max(max, u.uid), 0) + 1;
  const deleting = new Set(changes.deletes);
  const plan: ZkUserPlan = { writes: [], deletes: [], alreadyAbsent: [], refused: [] };
  const written = new Set<string>();
  for (const { userId, name } of changes.upserts) {
    if (written.has(userId)) continue; // the same user twice in one command: one write
    written.add(userId);
    if (deleting.has(userId)) {
      plan.refused.push({ userId, reason: 'conflicting-request', detail: `user ${userId} is both to be written and deleted` });
      continue;
    }
    const known = byUserId.get(userId);
    if (known) {
      plan.writes.push({ userId, name, uid: known.uid, existingIndex: known.index });
      continue;
    }
    if (nextUid > MAX_UID) {
      plan.refused.push({ userId, reason: 'no-free-uid', detail: `every uid up to ${MAX_UID} is above one in use` });
      continue;
    }
    plan.writes.push({ userId, name, uid: nextUid++, existingIndex: null });
  }
  for (const userId of new Set(changes.deletes)) {
    if (written.has(userId)) continue; // already refused as conflicting
    const known = byUserId.get(userId);
    if (known) plan.deletes.push({ userId, uid: known.uid });
    else plan.alreadyAbsent.push(userId);
  }
  return plan;
}

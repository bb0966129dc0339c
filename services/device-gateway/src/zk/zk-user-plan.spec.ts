import { planZkUserChanges } from './zk-user-plan';

const table = [
  { uid: 1, userId: '0012' },
  { uid: 2, userId: '77' },
  { uid: 9, userId: '5001' },
];

describe('planZkUserChanges (uid allocation for push-users)', () => {
  it('keeps the uid of an enrolled user, matched by the exact enrolled id ("12" is not "0012")', () => {
    const plan = planZkUserChanges(table, { upserts: [{ userId: '0012', name: 'Ravi' }, { userId: '12', name: 'Other' }], deletes: [] });
    expect(plan.writes).toEqual([
      { userId: '0012', name: 'Ravi', uid: 1, existingIndex: 0 },
      { userId: '12', name: 'Other', uid: 10, existingIndex: null },
    ]);
  });

  it('gives new users uids above every uid on the device, never a free slot below (old 8-byte records may name it)', () => {
    const plan = planZkUserChanges(table, { upserts: [{ userId: 'a', name: '' }, { userId: 'b', name: '' }], deletes: ['77'] });
    expect(plan.writes.map((w) => w.uid)).toEqual([10, 11]); // not 3..8, and not 2 (deleted by this command)
    expect(plan.deletes).toEqual([{ userId: '77', uid: 2 }]);
  });

  it('starts at uid 1 on an empty device and writes a user named twice once', () => {
    const plan = planZkUserChanges([], { upserts: [{ userId: '1', name: 'x' }, { userId: '1', name: 'x' }], deletes: [] });
    expect(plan.writes).toEqual([{ userId: '1', name: 'x', uid: 1, existingIndex: null }]);
  });

  it('reports a delete of a user the device does not have as already absent, and refuses write-and-delete of one user', () => {
    const plan = planZkUserChanges(table, { upserts: [{ userId: '5001', name: 'y' }], deletes: ['5001', 'ghost', 'ghost'] });
    expect(plan.alreadyAbsent).toEqual(['ghost']);
    expect(plan.writes).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.refused).toEqual([expect.objectContaining({ userId: '5001', reason: 'conflicting-request' })]);
  });

  it('refuses new users once the uid space above the highest uid is used up, while updates still go through', () => {
    const full = [{ uid: 0xffff, userId: 'top' }];
    const plan = planZkUserChanges(full, { upserts: [{ userId: 'new', name: '' }, { userId: 'top', name: 'T' }], deletes: [] });
    expect(plan.refused).toEqual([expect.objectContaining({ userId: 'new', reason: 'no-free-uid' })]);
    expect(plan.writes).toEqual([{ userId: 'top', name: 'T', uid: 0xffff, existingIndex: 0 }]);
  });
});

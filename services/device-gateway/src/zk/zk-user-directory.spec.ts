import { decodeZkUserDataset } from './zk-user-record';
import { resolveZkUserId, ZkUserDirectory } from './zk-user-directory';

function user72(uid: number, userId: string, name: string): Buffer {
  const b = Buffer.alloc(72);
  b.writeUInt16LE(uid, 0);
  b[2] = 0;
  b.write('secret', 3); // password: never decoded
  b.write(name, 11);
  b.writeUInt32LE(1234567, 35);
  b.write('1', 40);
  b.write(userId, 48);
  return b;
}
function user28(uid: number, userId: number, name: string): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(uid, 0);
  b.write(name, 8, 8);
  b.writeUInt32LE(userId, 24);
  return b;
}
const dataset = (records: Buffer[]) => {
  const body = Buffer.concat(records);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
};

describe('ZK user table', () => {
  it('decodes 72-byte and 28-byte user records and never exposes passwords', () => {
    const wide = decodeZkUserDataset(dataset([user72(1, '0012', 'Ana'), user72(2, '3494866', 'NievesLopez')]), 2);
    expect(wide).toEqual({
      recordSize: 72,
      issues: [],
      users: [
        { uid: 1, userId: '0012', name: 'Ana', privilege: 0, cardNumber: 1234567 },
        { uid: 2, userId: '3494866', name: 'NievesLopez', privilege: 0, cardNumber: 1234567 },
      ],
    });
    expect(JSON.stringify(wide)).not.toContain('secret');
    expect(decodeZkUserDataset(dataset([user28(5, 831, 'NN-831')]), 1).users).toEqual([{ uid: 5, userId: '831', name: 'NN-831', privilege: 0, cardNumber: 0 }]);
  });

  it('reports cut-off and undecidable tables', () => {
    const cut = dataset([user72(1, '1', 'A'), user72(2, '2', 'B')]).subarray(0, 100);
    expect(decodeZkUserDataset(cut, 2).issues.length).toBeGreaterThan(0);
    expect(decodeZkUserDataset(Buffer.alloc(2), 0).issues).toHaveLength(1);
  });
});

describe(resolveZkUserId.name, () => {
  const directory = new ZkUserDirectory([
    { uid: 1, userId: '0012' },
    { uid: 2, userId: '3494866' },
    { uid: 12, userId: 'E-12' },
    { uid: 40, userId: '40' },
  ]);
  const numeric = (id: number) => ({ userId: String(id), userIdKind: 'numeric' as const, userSn: null, userIdProblem: null });
  const serial = (sn: number) => ({ userId: null, userIdKind: 'serial-only' as const, userSn: sn, userIdProblem: null });

  it('maps a numeric id to the enrolled id: exact PIN, then unique PIN of the same value, then user serial', () => {
    expect(resolveZkUserId(numeric(3494866), directory)).toEqual({ ok: true, userId: '3494866', via: 'table-user-id' });
    expect(resolveZkUserId(numeric(12), directory)).toEqual({ ok: true, userId: '0012', via: 'table-numeric-user-id' });
    expect(resolveZkUserId(numeric(2), directory)).toEqual({ ok: true, userId: '3494866', via: 'table-serial' });
    expect(resolveZkUserId(numeric(77), directory)).toEqual({ ok: true, userId: '77', via: 'numeric-fallback' });
    expect(resolveZkUserId(numeric(77), null)).toEqual({ ok: true, userId: '77', via: 'numeric-fallback' });
  });

  it('maps a serial-only record through the table, and refuses to guess without one unless allowed', () => {
    expect(resolveZkUserId(serial(12), directory)).toEqual({ ok: true, userId: 'E-12', via: 'table-serial' });
    expect(resolveZkUserId(serial(99), directory)).toMatchObject({ ok: false, reason: 'unresolved-user' });
    expect(resolveZkUserId(serial(99), null)).toMatchObject({ ok: false, reason: 'unresolved-user' });
    expect(resolveZkUserId(serial(99), null, { allowSerialAsUserId: true })).toEqual({ ok: true, userId: '99', via: 'serial-fallback' });
  });

  it('uses string ids as they are, and rejects undecodable ones', () => {
    expect(resolveZkUserId({ userId: '007', userIdKind: 'string', userSn: 40, userIdProblem: null }, directory)).toEqual({ ok: true, userId: '007', via: 'record' });
    expect(resolveZkUserId({ userId: null, userIdKind: 'string', userSn: 40, userIdProblem: 'undecodable-user-id' }, directory)).toMatchObject({ ok: false, reason: 'undecodable-user-id' });
  });
});

import { decodeZkPayload } from './zk-packet';
import { decodeZkFreeSizes } from './zk-free-sizes';
import { ZK_FIXTURES } from './testing/zk-golden-fixtures';

describe(decodeZkFreeSizes.name, () => {
  const replyData = (frame: Buffer) => {
    const decoded = decodeZkPayload(frame.subarray(8));
    if (!decoded.ok) throw new Error('no header');
    return decoded.packet.data;
  };

  it('decodes the pyzk sizes reply as the brief says: users 7, records 605, capacity 100000, available 99395', () => {
    const decoded = decodeZkFreeSizes(replyData(ZK_FIXTURES.SIZES_REPLY));
    expect(decoded).toMatchObject({
      ok: true,
      sizes: {
        users: 7,
        fingerprints: 6,
        records: 605,
        operationLogs: 3087,
        cardsOrAdmins: 1,
        fingerprintCapacity: 3000,
        userCapacity: 10000,
        recordCapacity: 100000,
        fingerprintsAvailable: 2994,
        usersAvailable: 9993,
        recordsAvailable: 99395,
        // the captured reply lost its last 6 bytes, so the 12-byte face tail is incomplete
        faces: null,
        faceCapacity: null,
      },
    });
  });

  it('reads the face tail when it is complete', () => {
    const data = Buffer.concat([replyData(ZK_FIXTURES.SIZES_REPLY), ZK_FIXTURES.SIZES_REPLY_MISSING_TAIL]);
    data.writeInt32LE(3, 80);
    data.writeInt32LE(400, 88);
    expect(decodeZkFreeSizes(data)).toMatchObject({ ok: true, sizes: { faces: 3, faceCapacity: 400, records: 605 } });
  });

  it('keeps longer replies of newer firmware and rejects short ones without throwing', () => {
    const long = Buffer.alloc(112);
    long.writeInt32LE(42, 32);
    expect(decodeZkFreeSizes(long)).toMatchObject({ ok: true, sizes: { records: 42 } });
    expect((decodeZkFreeSizes(long) as { sizes: { fields: number[] } }).sizes.fields).toHaveLength(28);
    expect(decodeZkFreeSizes(Buffer.alloc(79))).toEqual({ ok: false, reason: 'too-short', length: 79 });
  });
});

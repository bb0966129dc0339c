import fc from 'fast-check';
import { decodeZkUserDataset, decodeZkUserRecord } from './zk-user-record';
import { encodeZkName, encodeZkNewUser, patchZkUserName } from './zk-user-write';

const hex = (parts: string[]) => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

describe('ZK user record writer (CMD_USER_WRQ)', () => {
  it('writes the 72-byte layout pyzk set_user packs (HB8s24s4sx7sx24s), without a password', () => {
    // pyzk example/set_user.py: uid=1, name='John Doe', privilege=USER_DEFAULT, user_id='1' (password left out).
    const expected = hex([
      '0100', // uid 1
      '00', // privilege 0
      '00'.repeat(8), // password: never written
      Buffer.from('John Doe').toString('hex') + '00'.repeat(16), // name[24] @11
      '00000000', // card @35
      '00', // pad @39
      '00'.repeat(7), // group[7] @40
      '00', // pad @47
      '31' + '00'.repeat(23), // user id[24] @48
    ]);
    const encoded = encodeZkNewUser({ uid: 1, userId: '1', name: 'John Doe' }, 72, 'utf-8');
    expect(encoded.ok && encoded.bytes.toString('hex')).toBe(expected.toString('hex'));
    expect(expected).toHaveLength(72);
  });

  it('writes the 28-byte layout of old firmware (HB5s8sIxBHI), the PIN as a u32', () => {
    const expected = hex(['0500', '00', '00'.repeat(5), '416e6e' + '00'.repeat(5), '00000000', '00', '00', '0000', 'd2040000']);
    const encoded = encodeZkNewUser({ uid: 5, userId: '1234', name: 'Ann' }, 28, 'utf-8');
    expect(encoded.ok && encoded.bytes.toString('hex')).toBe(expected.toString('hex'));
    expect(decodeZkUserRecord(expected)).toMatchObject({ uid: 5, userId: '1234', name: 'Ann' });
  });

  it('refuses a PIN a 28-byte record cannot hold exactly ("0012" would come back as "12")', () => {
    expect(encodeZkNewUser({ uid: 5, userId: '0012', name: '' }, 28, 'utf-8')).toMatchObject({ ok: false, reason: 'user-id-not-numeric' });
    expect(encodeZkNewUser({ uid: 5, userId: 'A12', name: '' }, 28, 'utf-8')).toMatchObject({ ok: false, reason: 'user-id-not-numeric' });
    expect(encodeZkNewUser({ uid: 5, userId: '4294967296', name: '' }, 28, 'utf-8')).toMatchObject({ ok: false, reason: 'user-id-not-numeric' });
    expect(encodeZkNewUser({ uid: 5, userId: '4294967295', name: '' }, 28, 'utf-8').ok).toBe(true);
  });

  it('refuses uids outside 1..65535 and user ids longer than the field', () => {
    expect(encodeZkNewUser({ uid: 0, userId: '1', name: '' }, 72, 'utf-8')).toMatchObject({ ok: false, reason: 'bad-uid' });
    expect(encodeZkNewUser({ uid: 65536, userId: '1', name: '' }, 72, 'utf-8')).toMatchObject({ ok: false, reason: 'bad-uid' });
    expect(encodeZkNewUser({ uid: 2, userId: '9'.repeat(25), name: '' }, 72, 'utf-8')).toMatchObject({ ok: false, reason: 'user-id-too-long' });
    expect(encodeZkNewUser({ uid: 2, userId: '9'.repeat(24), name: '' }, 72, 'utf-8').ok).toBe(true);
  });

  describe('names in bytes of the device charset (P9)', () => {
    it('fits a name of exactly the field size and refuses one byte more, counting multi-byte characters as bytes', () => {
      expect(encodeZkName('é'.repeat(12), 'utf-8', 24)).toMatchObject({ ok: true }); // 24 bytes
      expect(encodeZkName('é'.repeat(12) + 'a', 'utf-8', 24)).toMatchObject({ ok: false, reason: 'name-too-long', detail: expect.stringContaining('25 bytes') });
      expect(encodeZkName('张伟'.repeat(4), 'utf-8', 24)).toMatchObject({ ok: true }); // 8 chars, 24 bytes
      expect(encodeZkName('张伟'.repeat(4) + '明', 'utf-8', 24)).toMatchObject({ ok: false, reason: 'name-too-long' });
      // The same name is 12 bytes in Latin-1 and fits there.
      expect(encodeZkName('é'.repeat(13), 'latin1', 24)).toMatchObject({ ok: true });
    });

    it('refuses characters the charset cannot hold instead of replacing them', () => {
      expect(encodeZkName('Zoë', 'latin1', 24)).toMatchObject({ ok: true });
      expect(encodeZkName('张伟', 'latin1', 24)).toMatchObject({ ok: false, reason: 'name-not-encodable' });
      expect(encodeZkName('a\0b', 'utf-8', 24)).toMatchObject({ ok: false, reason: 'name-not-encodable' });
      expect(encodeZkName('\ud800x', 'utf-8', 24)).toMatchObject({ ok: false, reason: 'name-not-encodable' });
    });

    it('never cuts a character: what is written decodes back to the whole name, or nothing is written', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom<'utf-8' | 'latin1'>('utf-8', 'latin1'), fc.integer({ min: 1, max: 24 }), (name, charset, max) => {
          const encoded = encodeZkName(name, charset, max);
          if (encoded.ok) {
            expect(encoded.bytes.length).toBeLessThanOrEqual(max);
            expect(encoded.bytes.toString(charset === 'utf-8' ? 'utf8' : 'latin1')).toBe(name);
          } else if (encoded.reason === 'name-too-long') {
            expect(Buffer.byteLength(name, charset === 'utf-8' ? 'utf8' : 'latin1')).toBeGreaterThan(max);
          }
        }),
      );
    });
  });

  it('patches only the name of an enrolled user: password, card, privilege, group and ids stay as the device had them', () => {
    const existing = Buffer.alloc(72);
    existing.writeUInt16LE(7, 0);
    existing[2] = 14; // admin
    existing.write('secret12', 3, 'latin1');
    existing.write('Old Name', 11, 'utf8');
    existing.writeUInt32LE(987654, 35);
    existing.write('1', 40, 'latin1');
    existing.write('0007', 48, 'utf8');
    const patched = patchZkUserName(existing, 'Priya Nair', 'utf-8');
    if (!patched.ok) throw new Error(patched.detail);
    expect(decodeZkUserRecord(patched.bytes)).toEqual({ uid: 7, userId: '0007', name: 'Priya Nair', privilege: 14, cardNumber: 987654 });
    const outsideName = (b: Buffer) => Buffer.concat([b.subarray(0, 11), b.subarray(35)]);
    expect(outsideName(patched.bytes).equals(outsideName(existing))).toBe(true);
    expect(existing.subarray(11, 19).toString()).toBe('Old Name'); // the input is not modified
  });

  it('round-trips through the user-table decoder for any uid, id and name that fit', () => {
    const idChar = fc.constantFrom(...'0123456789ABCDEFGHJKLMNPQRSTUVWXYZ-_');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff }), fc.string({ unit: idChar, minLength: 1, maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 12 }), (uid, userId, name) => {
        const clean = name.replace(/\0/g, '').trim();
        const encoded = encodeZkNewUser({ uid, userId, name: clean }, 72, 'utf-8');
        if (!encoded.ok) {
          expect(encoded.reason).toMatch(/^name-/);
          return;
        }
        expect(decodeZkUserRecord(encoded.bytes)).toEqual({ uid, userId, name: clean, privilege: 0, cardNumber: 0 });
      }),
    );
  });

  it('a user table cut anywhere decodes the whole records before the cut and reports the rest, without throwing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), (count, cutSeed) => {
        const records = Array.from({ length: count }, (_, i) => {
          const r = encodeZkNewUser({ uid: i + 1, userId: String(100 + i), name: `User ${i}` }, 72, 'utf-8');
          if (!r.ok) throw new Error(r.detail);
          return r.bytes;
        });
        const body = Buffer.concat(records);
        const header = Buffer.alloc(4);
        header.writeUInt32LE(body.length, 0);
        const full = Buffer.concat([header, body]);
        const cut = cutSeed % (full.length + 1);
        const decoded = decodeZkUserDataset(full.subarray(0, cut), count);
        const whole = cut < 4 ? 0 : Math.floor((cut - 4) / 72);
        expect(decoded.users.map((u) => u.userId)).toEqual(decoded.recordSize === null ? [] : records.slice(0, whole).map((_, i) => String(100 + i)));
        if (cut < full.length) expect(decoded.issues.length).toBeGreaterThan(0);
        else expect(decoded.issues).toEqual([]);
      }),
    );
  });
});

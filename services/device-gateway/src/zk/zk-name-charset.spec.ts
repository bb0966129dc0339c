import fc from 'fast-check';
import { decodeZkName, encodeZkNameBytes, isZkUserCharsetAvailable, ZK_USER_CHARSETS } from './zk-name-charset';
import { decodeZkUserRecord } from './zk-user-record';
import { encodeZkName, encodeZkNewUser } from './zk-user-write';

const bytes = (hex: string) => Buffer.from(hex, 'hex');

describe('ZK user name charsets (P9)', () => {
  it('runs on a Node.js build with full ICU (as the edge image has), so every charset is available', () => {
    expect(ZK_USER_CHARSETS.filter((c) => !isZkUserCharsetAvailable(c))).toEqual([]);
  });

  it('writes GBK with the code-chart bytes (张 D5C5, 伟 CEB0, 李 C0EE, 王 CDF5), ASCII as single bytes', () => {
    // Expected bytes come from the GB2312 code chart, not from node's decoder the encoder is built from.
    for (const charset of ['gbk', 'gb2312'] as const) {
      expect(encodeZkNameBytes('张伟', charset)).toEqual({ ok: true, bytes: bytes('d5c5ceb0') });
      expect(encodeZkNameBytes('Li 李 Wang 王', charset)).toEqual({ ok: true, bytes: Buffer.concat([Buffer.from('Li '), bytes('c0ee'), Buffer.from(' Wang '), bytes('cdf5')]) });
    }
  });

  it('reads GBK names, and invalid bytes become U+FFFD instead of failing the table read', () => {
    expect(decodeZkName(bytes('d5c5ceb0000000'), 'gbk')).toBe('张伟');
    expect(decodeZkName(bytes('d5c5ceb0'), 'gb2312')).toBe('张伟');
    expect(decodeZkName(bytes('d5'), 'gbk')).toBe('\ufffd');
    // The same bytes read as UTF-8 are garbage: why the charset must be configured per device.
    expect(decodeZkName(bytes('d5c5ceb0'), 'utf-8')).not.toBe('张伟');
    expect(decodeZkName(bytes('e9'), 'latin1')).toBe('é');
  });

  it('GB2312 devices get no GBK-only character (traditional forms); GBK devices do', () => {
    const gbk = encodeZkNameBytes('張偉', 'gbk');
    expect(gbk.ok && gbk.bytes[0]! < 0xa1).toBe(true); // GBK extension area, outside GB2312
    expect(gbk.ok && decodeZkName(gbk.bytes, 'gbk')).toBe('張偉');
    expect(encodeZkNameBytes('張偉', 'gb2312')).toMatchObject({ ok: false, detail: expect.stringContaining('no GB2312 code') });
  });

  it('refuses characters GBK cannot hold, and private-use ones that vendor tables disagree on', () => {
    expect(encodeZkNameBytes('😀', 'gbk')).toMatchObject({ ok: false, detail: expect.stringContaining('U+1F600') });
    expect(encodeZkNameBytes('\ue000', 'gbk')).toMatchObject({ ok: false });
  });

  it('counts GBK names in GBK bytes: 12 Chinese characters fill a 24-byte field, 13 do not', () => {
    expect(encodeZkName('张'.repeat(12), 'gbk', 24)).toMatchObject({ ok: true });
    expect(encodeZkName('张'.repeat(13), 'gbk', 24)).toMatchObject({ ok: false, reason: 'name-too-long', detail: expect.stringContaining('26 bytes in gbk') });
    // The same 12 characters are 36 bytes of UTF-8 and do not fit a UTF-8 device.
    expect(encodeZkName('张'.repeat(12), 'utf-8', 24)).toMatchObject({ ok: false, reason: 'name-too-long' });
  });

  it('a user record written for a GBK device reads back through the user table decoder', () => {
    const written = encodeZkNewUser({ uid: 7, userId: '0007', name: '张伟' }, 72, 'gbk');
    expect(written.ok && written.bytes.subarray(11, 15)).toEqual(bytes('d5c5ceb0'));
    expect(written.ok && decodeZkUserRecord(written.bytes, 'gbk')).toMatchObject({ uid: 7, userId: '0007', name: '张伟' });
  });

  it('in every charset, a name is either written as bytes that read back as the same name, or refused', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 16 }), fc.constantFrom(...ZK_USER_CHARSETS), (name, charset) => {
        const encoded = encodeZkNameBytes(name, charset);
        if (encoded.ok && !name.includes('\0') && name.trim() === name) expect(decodeZkName(encoded.bytes, charset)).toBe(name);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCodePoint(c)), maxLength: 8 }), (name) => {
        const encoded = encodeZkNameBytes(name, 'gbk');
        // GBK covers every CJK unified ideograph of the basic block: none is refused.
        expect(encoded.ok && encoded.bytes.length).toBe(name.length * 2);
      }),
    );
  });
});

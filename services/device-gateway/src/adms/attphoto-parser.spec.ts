import fc from 'fast-check';
import { parseAttPhoto } from './attphoto-parser';

// The SPEC §11.3 layout (device-protocols.md §1.6): text header, NUL, binary JPEG.
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x0a, 0x0d, 0x00, 0xff, 0xd9]);
const photoBody = (image: Buffer, size = image.length) =>
  Buffer.concat([Buffer.from(`PIN=20240601083000-12.jpg\nSN=0316144680030\nsize=${size}\nCMD=uploadphoto\0`), image]);

describe(parseAttPhoto.name, () => {
  it('splits the header from the JPEG without decoding the image (NUL, CR and LF bytes inside it survive)', () => {
    const parsed = parseAttPhoto(photoBody(JPEG));
    expect(parsed).toEqual({
      ok: true,
      photo: {
        header: `PIN=20240601083000-12.jpg\nSN=0316144680030\nsize=${JPEG.length}\nCMD=uploadphoto`,
        fields: { PIN: '20240601083000-12.jpg', SN: '0316144680030', size: String(JPEG.length), CMD: 'uploadphoto' },
        fileName: '20240601083000-12.jpg',
        declaredSize: JPEG.length,
        image: JPEG,
      },
    });
  });

  it('rejects a truncated photo (size mismatch), a body without the NUL and an empty image', () => {
    expect(parseAttPhoto(photoBody(JPEG.subarray(0, 10), JPEG.length))).toMatchObject({ ok: false, reason: 'unparsable-photo', detail: expect.stringContaining('size=16') });
    expect(parseAttPhoto(Buffer.from('PIN=1.jpg\nSN=1\nsize=3\nCMD=uploadphoto'))).toMatchObject({ ok: false });
    expect(parseAttPhoto(Buffer.from('PIN=1.jpg\0'))).toMatchObject({ ok: false, detail: 'no image bytes after the header' });
  });

  it('never throws on random and truncated bodies; a parsed image is exactly the bytes after the first NUL', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.boolean(), (image, cut, framed) => {
        const full = framed ? photoBody(Buffer.from(image)) : Buffer.from(image);
        const body = full.subarray(0, cut % (full.length + 1));
        const parsed = parseAttPhoto(body);
        if (parsed.ok) expect(parsed.photo.image.equals(body.subarray(body.indexOf(0) + 1))).toBe(true);
        else expect(parsed.detail.length).toBeGreaterThan(0);
      }),
      { numRuns: 400, seed: 20261201 },
    );
  });
});

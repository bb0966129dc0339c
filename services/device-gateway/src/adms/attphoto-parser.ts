/**
 * Parser of ZK PUSH ATTPHOTO uploads (device-protocols.md §1.6, SPEC §11.3): a short text header, a NUL,
 * then the JPEG bytes, one photo per request:
 *   PIN=<file>.jpg\nSN=<sn>\nsize=<n>\nCMD=uploadphoto\0<binary jpeg>
 * Binary-safe: only the bytes before the first NUL are read as text; the image is never decoded.
 */
export interface AttPhoto {
  /** The header as text (without the NUL), kept in the raw request instead of the whole photo. */
  header: string;
  fields: Record<string, string>;
  fileName: string | null;
  declaredSize: number | null;
  image: Buffer;
}

export type AttPhotoParse = { ok: true; photo: AttPhoto } | { ok: false; reason: 'unparsable-photo'; detail: string };

/** The header is a few short lines; a NUL later than this is not the separator. */
const MAX_HEADER_BYTES = 1024;

export function parseAttPhoto(body: Buffer): AttPhotoParse {
  const nul = body.subarray(0, MAX_HEADER_BYTES + 1).indexOf(0);
  if (nul === -1) return { ok: false, reason: 'unparsable-photo', detail: `no NUL separator in the first ${MAX_HEADER_BYTES} bytes (${body.length} bytes in all)` };
  const header = body.subarray(0, nul).toString('latin1');
  const fields: Record<string, string> = {};
  for (const line of header.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  const image = Buffer.from(body.subarray(nul + 1));
  const sizeText = fields.size ?? fields.Size;
  const declaredSize = sizeText !== undefined && /^\d{1,10}$/.test(sizeText) ? Number(sizeText) : null;
  if (image.length === 0) return { ok: false, reason: 'unparsable-photo', detail: 'no image bytes after the header' };
  if (declaredSize !== null && declaredSize !== image.length) {
    // NOTE: the SPEC's -2 "photo size mismatch": a truncated upload. Reported, so the device sends it again.
    return { ok: false, reason: 'unparsable-photo', detail: `header says size=${declaredSize}, body has ${image.length} image bytes` };
  }
  return { ok: true, photo: { header, fields, fileName: fields.PIN ?? null, declaredSize, image } };
}

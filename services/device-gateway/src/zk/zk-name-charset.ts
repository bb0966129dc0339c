/**
 * The charset a ZK terminal stores user names in (P9: Chinese firmware uses GBK/GB2312, Western firmware
 * Latin-1 or UTF-8; nothing on the wire says which). Set per device in the gateway config file.
 *
 * - `utf-8`, `latin1`: node's own codecs.
 * - `gbk`: read with the WHATWG GBK decoder that node ships (ICU; it also decodes the 4-byte GB18030 forms).
 *   Node has no GBK encoder, so writing uses the inverse of that decoder's two-byte table, built once on
 *   first use (about 24,000 pairs, tens of ms): a name is written only if every character has a one- or
 *   two-byte GBK form and the bytes decode back to exactly the same name. Private-use characters are refused,
 *   because vendor tables disagree on them and the terminal might show something else.
 * - `gb2312`: read like GBK (GB2312 is its subset); written only with GB2312's own bytes (lead and trail bytes
 *   0xA1-0xFE, lead at most 0xF7), so an older terminal that only knows GB2312 never receives a GBK-only
 *   character (e.g. most traditional forms), which it would show as garbage.
 *
 * A character the charset cannot hold is refused, never replaced (DESIGN.md 3.4: no silent change).
 */
export const ZK_USER_CHARSETS = ['utf-8', 'latin1', 'gbk', 'gb2312'] as const;
export type ZkUserCharset = (typeof ZK_USER_CHARSETS)[number];

export type ZkNameBytes = { ok: true; bytes: Buffer } | { ok: false; detail: string };

// Names are for display only, so on read invalid bytes become U+FFFD rather than failing the table read.
const lenientUtf8 = new TextDecoder('utf-8');
let gbkDecoder: InstanceType<typeof TextDecoder> | null = null;

/**
 * Whether this Node.js build can handle the charset: GBK needs the ICU data official builds and images ship;
 * a small-ICU build throws on TextDecoder('gbk'). Checked when the config is read, so such a build refuses a
 * GBK device at start-up instead of failing its first user read.
 */
export function isZkUserCharsetAvailable(charset: ZkUserCharset): boolean {
  if (charset !== 'gbk' && charset !== 'gb2312') return true;
  try {
    lenientGbk();
    return true;
  } catch {
    return false;
  }
}

function lenientGbk(): InstanceType<typeof TextDecoder> {
  gbkDecoder ??= new TextDecoder('gbk');
  return gbkDecoder;
}

/** The name in a NUL-padded field, decoded in the device's charset and trimmed. */
export function decodeZkName(field: Uint8Array, charset: ZkUserCharset): string {
  const end = field.indexOf(0);
  const bytes = end === -1 ? field : field.subarray(0, end);
  switch (charset) {
    case 'latin1':
      return Buffer.from(bytes).toString('latin1').trim();
    case 'gbk':
    case 'gb2312':
      return lenientGbk().decode(bytes).trim();
    default:
      return lenientUtf8.decode(bytes).trim();
  }
}

/** The name's bytes in the device's charset, or which character it cannot hold. */
export function encodeZkNameBytes(name: string, charset: ZkUserCharset): ZkNameBytes {
  switch (charset) {
    case 'latin1': {
      const bad = [...name].find((c) => c.codePointAt(0)! > 0xff);
      return bad === undefined ? { ok: true, bytes: Buffer.from(name, 'latin1') } : { ok: false, detail: `${describe(bad)} is outside Latin-1` };
    }
    case 'gbk':
    case 'gb2312':
      return encodeGbk(name, charset);
    default:
      return /\p{Surrogate}/u.test(name) ? { ok: false, detail: 'name has a lone surrogate' } : { ok: true, bytes: Buffer.from(name, 'utf8') };
  }
}

function encodeGbk(name: string, charset: 'gbk' | 'gb2312'): ZkNameBytes {
  const table = gbkEncodeTable();
  const out: number[] = [];
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code < 0x80) {
      out.push(code);
      continue;
    }
    const pair = code >= 0xe000 && code <= 0xf8ff ? undefined : table.get(char);
    if (pair === undefined || (charset === 'gb2312' && !isGb2312Pair(pair))) {
      return { ok: false, detail: `${describe(char)} has no ${charset === 'gbk' ? 'GBK' : 'GB2312'} code` };
    }
    out.push(pair >> 8, pair & 0xff);
  }
  const bytes = Buffer.from(out);
  // Belt and braces: what the terminal stores must read back as the very name we were asked to write.
  if (lenientGbk().decode(bytes) !== name) return { ok: false, detail: `name ${JSON.stringify(name)} does not survive a ${charset} round trip` };
  return { ok: true, bytes };
}

function isGb2312Pair(pair: number): boolean {
  const lead = pair >> 8;
  const trail = pair & 0xff;
  return lead >= 0xa1 && lead <= 0xf7 && trail >= 0xa1 && trail <= 0xfe;
}

let gbkTable: Map<string, number> | null = null;

/** Character → two-byte GBK code (lead << 8 | trail), the first pair that decodes to it. */
function gbkEncodeTable(): Map<string, number> {
  if (gbkTable) return gbkTable;
  const table = new Map<string, number>();
  const decoder = lenientGbk();
  const pair = Buffer.alloc(2);
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue; // not a GBK trail byte
      pair[0] = lead;
      pair[1] = trail;
      const char = decoder.decode(pair);
      if (char.length === 1 && char !== '\ufffd' && !table.has(char)) table.set(char, (lead << 8) | trail);
    }
  }
  gbkTable = table;
  return table;
}

function describe(char: string): string {
  return `${JSON.stringify(char)} (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

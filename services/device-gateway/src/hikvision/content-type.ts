/**
 * `Content-Type` / `Content-Disposition` style header values: `type/subtype; name=value; name="quoted value"`.
 * Tolerant (RFC 7231 §3.1.1.1 plus what devices send): case-insensitive names, quoted or bare values,
 * whitespace anywhere, a trailing `;`.
 */
export interface ParsedHeaderValue {
  /** Lower-cased value before the first `;` (`multipart/mixed`, `form-data`). */
  value: string;
  /** Lower-cased parameter names; first occurrence wins. */
  params: ReadonlyMap<string, string>;
}

export function parseHeaderValue(header: string | null | undefined): ParsedHeaderValue {
  const text = header ?? '';
  const params = new Map<string, string>();
  const semi = text.indexOf(';');
  const value = (semi === -1 ? text : text.slice(0, semi)).trim().toLowerCase();
  let pos = semi === -1 ? text.length : semi + 1;
  while (pos < text.length) {
    while (pos < text.length && /[\s;]/.test(text[pos]!)) pos++;
    const eq = text.indexOf('=', pos);
    if (eq === -1) break;
    const name = text.slice(pos, eq).trim().toLowerCase();
    pos = eq + 1;
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
    let paramValue = '';
    if (text[pos] === '"') {
      pos++;
      while (pos < text.length && text[pos] !== '"') {
        if (text[pos] === '\\' && pos + 1 < text.length) pos++;
        paramValue += text[pos];
        pos++;
      }
      pos++; // closing quote (or past the end)
      const next = text.indexOf(';', pos);
      pos = next === -1 ? text.length : next + 1;
    } else {
      const next = text.indexOf(';', pos);
      paramValue = (next === -1 ? text.slice(pos) : text.slice(pos, next)).trim();
      pos = next === -1 ? text.length : next + 1;
    }
    if (name !== '' && !params.has(name)) params.set(name, paramValue);
  }
  return { value, params };
}

/** The multipart boundary of a `multipart/*` Content-Type, or `null` (not multipart, or no usable boundary). */
export function multipartBoundary(contentType: string | null | undefined): string | null {
  const parsed = parseHeaderValue(contentType);
  if (!parsed.value.startsWith('multipart/')) return null;
  const boundary = parsed.params.get('boundary');
  // RFC 2046 allows 1-70 characters; we accept up to 200 because devices do not read RFCs.
  return boundary !== undefined && boundary.length > 0 && boundary.length <= 200 ? boundary : null;
}

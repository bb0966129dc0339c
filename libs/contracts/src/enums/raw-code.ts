/** Longest raw device code kept beside a normalised enum (ZK codes are 1-3 digits, ISAPI names ~30 chars). */
export const RAW_CODE_MAX_LENGTH = 64;

/**
 * The raw code as it will be stored: numbers as decimal strings, strings unchanged, absent or empty as `null`
 * (a ZK ATTLOG line may leave the field empty).
 */
export function rawCode(code: string | number | null | undefined): string | null {
  if (code === null || code === undefined) return null;
  const text = typeof code === 'number' ? String(code) : code;
  return text.length === 0 ? null : text;
}

/** Parses a ZK numeric code (`"0"`, `" 15"`, `4`) to an integer, or `null` when it is not one. */
export function zkNumericCode(code: string | number | null | undefined): number | null {
  if (typeof code === 'number') return Number.isInteger(code) ? code : null;
  if (typeof code !== 'string') return null;
  const trimmed = code.trim();
  return /^\d{1,4}$/.test(trimmed) ? Number(trimmed) : null;
}

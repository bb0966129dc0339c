/**
 * Deep copy of a JSON value with object keys sorted by code point at every level (arrays keep their order).
 * Generated files then depend only on their content, never on the order in which zod or we built objects,
 * so a diff in `docs/contracts` is always a real contract change.
 */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) sorted[key] = sortKeysDeep(source[key]);
    return sorted;
  }
  return value;
}

/** Sorted-key JSON, two-space indent, trailing newline. */
export function stableJsonStringify(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}

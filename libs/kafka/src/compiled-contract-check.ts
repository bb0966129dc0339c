import type { z } from 'zod';

/**
 * A yes-only fast path for a contract's zod schema: `true` vouches that zod would accept the value and return
 * a value equal to it; `false` says nothing (the caller asks zod, which also words the error).
 *
 * Why: at ingest's rate zod's generic machinery (issue lists, a copy of every object, per-check dispatch) was
 * the largest single cost of consuming a message. This walks the same schema definition once at start-up and
 * builds plain closures, so zod stays the only source of truth: lengths, patterns and enum values are read
 * from the schema, and refinements (`.refine`, `.superRefine`) run zod's own check functions.
 *
 * Sound by construction rather than complete: it knows objects whose fields are all required, strings (with
 * length, pattern and custom checks), enums, booleans and nullable; anything else makes compilation return
 * null (no fast path at all). It is stricter than zod where that is simpler: an object must have exactly its
 * schema's keys (an unknown, passthrough field goes to zod, which also decides what `__proto__` means), and
 * any issue at all means `false`. compiled-contract-check.spec.ts holds it to zod on random and mutated values.
 */
export type ContractCheck = (value: unknown) => boolean;

class Unsupported extends Error {}

interface ZodInternals {
  _zod: {
    def: {
      type: string;
      checks?: ZodInternals[];
      check?: string;
      shape?: Record<string, ZodInternals>;
      catchall?: ZodInternals;
      innerType?: ZodInternals;
      entries?: Record<string, unknown>;
      pattern?: RegExp;
      format?: string;
      minimum?: number;
      maximum?: number;
      coerce?: boolean;
    };
    check?: (payload: { value: unknown; issues: unknown[] }) => unknown;
  };
}

/** Compiles a schema, or returns null when it uses anything this fast path does not know. */
export function compileContractCheck(schema: z.ZodType): ContractCheck | null {
  try {
    return compile(schema as unknown as ZodInternals);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

function compile(schema: ZodInternals): ContractCheck {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return compileString(schema);
    case 'boolean':
      return withChecks(schema, (value) => typeof value === 'boolean');
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      if (![...values].every((v) => typeof v === 'string')) throw new Unsupported('non-string enum');
      return withChecks(schema, (value) => typeof value === 'string' && values.has(value));
    }
    case 'nullable': {
      const inner = compile(def.innerType!);
      return withChecks(schema, (value) => value === null || inner(value));
    }
    case 'object':
      return compileObject(schema);
    default:
      throw new Unsupported(def.type);
  }
}

function compileObject(schema: ZodInternals): ContractCheck {
  const def = schema._zod.def;
  // Loose (catchall unknown) or strip (no catchall) both accept a value with exactly the schema's keys.
  if (def.catchall && def.catchall._zod.def.type !== 'unknown') throw new Unsupported('object catchall');
  const fields = Object.entries(def.shape ?? {}).map(([key, field]) => ({ key, check: compile(field) }));
  const count = fields.length;
  return withChecks(schema, (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    if (Object.keys(value).length !== count) return false;
    const record = value as Record<string, unknown>;
    for (let i = 0; i < count; i++) {
      const { key, check } = fields[i]!;
      if (!Object.hasOwn(record, key) || !check(record[key])) return false;
    }
    return true;
  });
}

function compileString(schema: ZodInternals): ContractCheck {
  const def = schema._zod.def;
  if (def.coerce) throw new Unsupported('coerced string');
  let min = 0;
  let max = Infinity;
  const patterns: RegExp[] = [];
  // A string format (e.g. z.iso.datetime, z.stringFormat) is itself a pattern check.
  if (def.format !== undefined) {
    if (!(def.pattern instanceof RegExp)) throw new Unsupported(`string format ${def.format} without a pattern`);
    patterns.push(def.pattern);
  }
  const custom: ZodInternals[] = [];
  for (const check of def.checks ?? []) {
    const c = check._zod.def;
    if (c.check === 'min_length') min = Math.max(min, c.minimum!);
    else if (c.check === 'max_length') max = Math.min(max, c.maximum!);
    else if (c.check === 'string_format' && c.pattern instanceof RegExp) patterns.push(c.pattern);
    else if (c.check === 'custom') custom.push(check);
    else throw new Unsupported(`string check ${c.check}`);
  }
  const customCheck = customChecks(custom);
  return (value) => {
    if (typeof value !== 'string' || value.length < min || value.length > max) return false;
    for (const pattern of patterns) {
      pattern.lastIndex = 0; // as zod does, in case a pattern is global or sticky
      if (!pattern.test(value)) return false;
    }
    return customCheck(value);
  };
}

/** The schema's own refinements (custom checks), run after the structural check passed. */
function withChecks(schema: ZodInternals, structural: ContractCheck): ContractCheck {
  const checks = schema._zod.def.checks ?? [];
  for (const check of checks) if (check._zod.def.check !== 'custom') throw new Unsupported(`check ${check._zod.def.check}`);
  const custom = customChecks(checks);
  return (value) => structural(value) && custom(value);
}

/** Runs zod custom checks the way zod's runChecks does; any issue (or an async check) means no. */
function customChecks(checks: ZodInternals[]): ContractCheck {
  if (checks.length === 0) return () => true;
  const runners = checks.map((check) => {
    const run = check._zod.check;
    if (typeof run !== 'function') throw new Unsupported('custom check without a function');
    return run;
  });
  return (value) => {
    for (const run of runners) {
      const payload = { value, issues: [] as unknown[] };
      let result: unknown;
      try {
        result = run(payload);
      } catch {
        return false; // zod would report (or rethrow) it; either way, not for the fast path
      }
      if (result instanceof Promise) {
        result.catch(() => undefined); // an async refinement: zod's async parse is the only judge
        return false;
      }
      if (payload.issues.length > 0) return false;
    }
    return true;
  };
}

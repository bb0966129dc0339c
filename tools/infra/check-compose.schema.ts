/**
 * Validation against the official Compose Specification JSON Schema (draft-07). The schema file is the one the
 * `docker-compose` npm package ships (schema/compose-spec.json, copied from compose-spec/compose-go, Apache-2.0),
 * pinned as an exact devDependency so that an upgrade of the schema is a reviewed lockfile change.
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export interface ComposeSchemaInfo {
  source: string;
  validate: ValidateFunction;
}

let cached: ComposeSchemaInfo | undefined;

/** Loads and compiles the schema once per process. */
export function composeSchema(): ComposeSchemaInfo {
  if (cached) return cached;
  const schemaPath = require.resolve('docker-compose/schema/compose-spec.json');
  const packageJson = JSON.parse(readFileSync(require.resolve('docker-compose/package.json'), 'utf8')) as { version: string };
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  // NOTE: the file names its meta-schema as "https://json-schema.org/draft-07/schema", which Ajv does not know
  // under that spelling (it registers "http://json-schema.org/draft-07/schema#"); Ajv's default dialect is
  // draft-07 anyway, so the key is dropped. strict mode is off because the upstream schema uses union types
  // and type-less `patternProperties`, which are valid JSON Schema but trip Ajv's extra strictness checks.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  cached = { source: `docker-compose@${packageJson.version} schema/compose-spec.json`, validate: ajv.compile(schema) };
  return cached;
}

/** Validates a parsed, interpolated Compose document; returns one readable line per schema error. */
export function validateAgainstSchema(document: unknown): string[] {
  const { validate } = composeSchema();
  if (validate(document)) return [];
  const lines = (validate.errors ?? []).map(formatError);
  return [...new Set(lines)];
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath.slice(1).replace(/\//g, '.');
  const params = error.params as Record<string, unknown>;
  const detail =
    typeof params.additionalProperty === 'string'
      ? ` (${JSON.stringify(params.additionalProperty)})`
      : Array.isArray(params.allowedValues)
        ? ` (${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')})`
        : '';
  return `schema: ${where} ${error.message ?? 'is invalid'}${detail}`;
}

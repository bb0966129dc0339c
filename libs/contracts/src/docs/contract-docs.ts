import { Document, Scalar, visit } from 'yaml';
import { TOPIC_SAMPLES } from '../samples/topic-samples';
import { TOPICS } from '../topics/topic-registry';
import { buildAsyncApiDocument } from './asyncapi-document';
import { stableJsonStringify } from './stable-json';
import { jsonSchemaFileName, topicJsonSchema } from './topic-json-schema';

/** Where the generated contract docs live, relative to the repository root. */
export const CONTRACT_DOCS_DIR = 'docs/contracts';
/** The JSON Schema folder, relative to the repository root. */
export const JSON_SCHEMA_DIR = `${CONTRACT_DOCS_DIR}/json-schema`;
/** The AsyncAPI file, relative to the repository root. */
export const ASYNCAPI_FILE = `${CONTRACT_DOCS_DIR}/asyncapi.yaml`;

/** One generated file: repository-relative path (forward slashes) and exact content. */
export interface ContractDocFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Renders every generated contract file in memory: one JSON Schema per topic and the AsyncAPI document.
 * Pure and deterministic, so the drift test can compare it byte for byte with the committed files.
 */
export function renderContractDocs(): ContractDocFile[] {
  const schemas = Object.values(TOPICS).map((topic) => ({
    path: `${JSON_SCHEMA_DIR}/${jsonSchemaFileName(topic.name)}`,
    content: stableJsonStringify(topicJsonSchema(topic)),
  }));
  const asyncApi = buildAsyncApiDocument({ topics: TOPICS, examples: TOPIC_SAMPLES, jsonSchemaDir: './json-schema' });
  // No line folding and no anchors, so diffs stay readable. Quoting by YAML 1.1 rules: parsers such as js-yaml
  // still resolve 1.1 timestamps and booleans, and would turn an example `2025-03-10T03:30:12Z` into a Date.
  const document = new Document(asyncApi, { aliasDuplicateObjects: false, version: '1.1' });
  // Raw device lines contain TABs; double quotes show them as \t instead of invisible whitespace.
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && node.value.includes('\t')) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const yaml = document.toString({ lineWidth: 0 });
  return [...schemas, { path: ASYNCAPI_FILE, content: `# Generated from libs/contracts by \`npm run docs:contracts\`. Do not edit.\n${yaml}` }];
}

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ALL_TOPICS } from '../topics/topic-registry';
import { ASYNCAPI_FILE, JSON_SCHEMA_DIR, renderContractDocs } from './contract-docs';
import { sortKeysDeep, stableJsonStringify } from './stable-json';

const ROOT = resolve(__dirname, '../../../..');
const FIX = 'Contract docs are out of date: run `npm run docs:contracts` and commit docs/contracts/.';

describe('generated contract docs', () => {
  const files = renderContractDocs();

  it('match the committed files (run npm run docs:contracts)', () => {
    const problems: string[] = [];
    for (const file of files) {
      const path = join(ROOT, file.path);
      if (!existsSync(path)) problems.push(`missing: ${file.path}`);
      else if (readFileSync(path, 'utf8') !== file.content) problems.push(`differs: ${file.path}`);
    }
    const expected = new Set(files.map((f) => f.path));
    const dir = join(ROOT, JSON_SCHEMA_DIR);
    for (const name of existsSync(dir) ? readdirSync(dir) : []) {
      if (!expected.has(`${JSON_SCHEMA_DIR}/${name}`)) problems.push(`stale: ${JSON_SCHEMA_DIR}/${name}`);
    }
    if (problems.length > 0) throw new Error(`${FIX}\n  ${problems.join('\n  ')}`);
  });

  it('are deterministic', () => {
    expect(renderContractDocs()).toEqual(files);
  });

  it('have one draft-07 JSON Schema per topic, ending with a newline', () => {
    for (const topic of ALL_TOPICS) {
      const file = files.find((f) => f.path === `${JSON_SCHEMA_DIR}/${topic.name}.schema.json`);
      expect(file?.content.endsWith('}\n')).toBe(true);
      const schema = JSON.parse(file?.content ?? '{}') as Record<string, unknown>;
      expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema['title']).toBe(topic.name);
      expect(schema['x-kafka-key']).toBe(topic.keyDescription);
    }
  });

  it('describe every topic and its DLQ in the AsyncAPI document', () => {
    const asyncApi = parse(files.find((f) => f.path === ASYNCAPI_FILE)?.content ?? '') as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
    };
    expect(asyncApi.asyncapi).toBe('3.0.0');
    const addresses = Object.values(asyncApi.channels).map((c) => c.address);
    for (const topic of ALL_TOPICS) {
      expect(addresses).toContain(topic.name);
      expect(addresses).toContain(`${topic.name}.dlq`);
    }
  });
});

describe('stableJsonStringify', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(stableJsonStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{\n  "a": {\n    "c": null,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
    expect(sortKeysDeep('x')).toBe('x');
  });
});

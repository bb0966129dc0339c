import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { brokerListSchema, ConfigError, parseConfig, portSchema, redactUrl } from './index';

const schema = z.object({ PORT: portSchema.default(3001), KAFKA_BROKERS: brokerListSchema, SECRET: z.string().min(3) });

describe(parseConfig.name, () => {
  it('parses, coerces and applies defaults', () => {
    const config = parseConfig(schema, { KAFKA_BROKERS: 'a:9092, b:9093', SECRET: 'abc' });
    expect(config).toEqual({ PORT: 3001, KAFKA_BROKERS: ['a:9092', 'b:9093'], SECRET: 'abc' });
  });

  it('lists every bad key at once', () => {
    let caught: unknown;
    try {
      parseConfig(schema, { PORT: '99999', KAFKA_BROKERS: 'nohostport' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT:/m);
    expect(problems).toMatch(/^KAFKA_BROKERS/m);
    expect(problems).toMatch(/^SECRET:/m);
  });

  it('reads <KEY>_FILE secrets, and an explicit <KEY> wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 's3cret\n');
    expect(parseConfig(schema, { KAFKA_BROKERS: 'a:1', SECRET_FILE: file }).SECRET).toBe('s3cret');
    expect(parseConfig(schema, { KAFKA_BROKERS: 'a:1', SECRET: 'explicit', SECRET_FILE: file }).SECRET).toBe('explicit');
  });

  it('ignores *_FILE variables of keys it does not know', () => {
    expect(parseConfig(schema, { KAFKA_BROKERS: 'a:1', SECRET: 'abc', OTHER_TOOL_FILE: '/nonexistent/x' }).SECRET).toBe('abc');
  });

  it('fails clearly when a secret file is missing', () => {
    expect(() => parseConfig(schema, { KAFKA_BROKERS: 'a:1', SECRET_FILE: '/nonexistent/x' })).toThrow(/SECRET_FILE: cannot read/);
  });
});

describe(redactUrl.name, () => {
  it('masks the password only', () => {
    expect(redactUrl('postgres://u:pw@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
  });
});

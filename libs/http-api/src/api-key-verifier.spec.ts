import { createHash } from 'node:crypto';
import { UnauthorizedException } from '@nestjs/common';
import { z } from 'zod';
import { apiKeysEnvSchema } from '@attendance/config';
import { ApiKeyVerifier } from './api-key-verifier';
import { parseOrBadRequest } from './zod-http';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('ApiKeyVerifier', () => {
  const entries = apiKeysEnvSchema.parse(`k1:tenant-a:${sha256('s3cret')}, k2:tenant-b:${sha256('other')}`);
  const verifier = new ApiKeyVerifier(entries);

  it('grants the key tenant for the right secret', () => {
    expect(verifier.verify('k1.s3cret')).toEqual({ keyId: 'k1', tenantId: 'tenant-a' });
    expect(verifier.verify(['k2.other'])).toEqual({ keyId: 'k2', tenantId: 'tenant-b' });
  });

  it.each([undefined, '', 'no-dot', '.secret-only', 'k1.wrong', 'k3.s3cret', 'k2.s3cret'])('refuses %p with 401', (header) => {
    expect(() => verifier.verify(header)).toThrow(UnauthorizedException);
  });

  it('parses the env list and names a bad entry', () => {
    expect(apiKeysEnvSchema.parse('')).toEqual([]);
    const result = apiKeysEnvSchema.safeParse('k1:tenant-a:nothex');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/keyId:tenantId:sha256hex/);
  });
});

describe('parseOrBadRequest', () => {
  it('answers 400 naming each bad field', () => {
    const schema = z.object({ from: z.string().datetime(), limit: z.number().int() });
    expect(parseOrBadRequest(schema, { from: '2026-01-01T00:00:00Z', limit: 5 }, 'query')).toEqual({ from: '2026-01-01T00:00:00Z', limit: 5 });
    try {
      parseOrBadRequest(schema, { from: 'yesterday', limit: 1.5 }, 'query');
      throw new Error('expected a 400');
    } catch (error) {
      const body = (error as { getResponse(): { message: string; issues: { path: string }[] } }).getResponse();
      expect(body.message).toBe('invalid query');
      expect(body.issues.map((i) => i.path).sort()).toEqual(['from', 'limit']);
    }
  });
});

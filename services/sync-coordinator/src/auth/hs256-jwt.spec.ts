import { createHmac } from 'node:crypto';
import { JwtRejected, signHs256Jwt, verifyHs256Jwt } from './hs256-jwt';

const secret = 'unit-test-secret-0123456789abcdef';
const now = new Date('2026-03-02T10:00:00Z');
const exp = now.getTime() / 1000 + 60;

describe(verifyHs256Jwt.name, () => {
  it('answers the claims of a valid token', () => {
    expect(verifyHs256Jwt(signHs256Jwt({ sub: 'e-1', exp }, secret), { secret, now })).toEqual({ sub: 'e-1', exp });
  });

  it('rejects another secret, a tampered payload, alg none, a missing or past exp and a future nbf', () => {
    const token = signHs256Jwt({ sub: 'e-1', exp }, secret);
    expect(() => verifyHs256Jwt(token, { secret: 'x'.repeat(32), now })).toThrow('bad signature');
    const [head, , sig] = token.split('.');
    const tampered = `${head}.${Buffer.from(JSON.stringify({ sub: 'admin', exp })).toString('base64url')}.${sig}`;
    expect(() => verifyHs256Jwt(tampered, { secret, now })).toThrow('bad signature');
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'e-1', exp })).toString('base64url')}.`;
    expect(() => verifyHs256Jwt(none, { secret, now })).toThrow('only HS256');
    expect(() => verifyHs256Jwt(signHs256Jwt({ sub: 'e-1' }, secret), { secret, now })).toThrow('no exp');
    expect(() => verifyHs256Jwt(signHs256Jwt({ sub: 'e-1', exp: exp - 3600 }, secret), { secret, now })).toThrow('expired');
    expect(() => verifyHs256Jwt(signHs256Jwt({ sub: 'e-1', exp, nbf: exp }, secret), { secret, now })).toThrow('not yet valid');
    expect(() => verifyHs256Jwt('a.b', { secret, now })).toThrow(JwtRejected);
  });

  it('checks issuer and audience when asked to', () => {
    const token = signHs256Jwt({ sub: 'e-1', exp, iss: 'idp', aud: ['mobile', 'web'] }, secret);
    expect(verifyHs256Jwt(token, { secret, now, issuer: 'idp', audience: 'mobile' }).sub).toBe('e-1');
    expect(() => verifyHs256Jwt(token, { secret, now, issuer: 'other' })).toThrow('wrong issuer');
    expect(() => verifyHs256Jwt(token, { secret, now, audience: 'kiosk' })).toThrow('wrong audience');
  });

  it('verifies a token signed by any standard HS256 implementation (RFC 7515 encoding)', () => {
    const head = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'e-2', exp })).toString('base64url');
    const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
    expect(verifyHs256Jwt(`${head}.${body}.${sig}`, { secret, now }).sub).toBe('e-2');
  });
});

import { computeDigestResponse } from './digest-authorization';
import { parseAuthenticateHeaders } from './digest-challenge';
import { DigestAuthError, DigestHttpClient, RequestTimeoutError } from './digest-http-client';

interface Seen {
  method: string;
  url: string;
  authorization: Record<string, string> | null;
  body: string | null;
}

/**
 * A fetch that behaves like the DS-K1T in the captures: 401 with `opaque=""` and `domain="::"`, a fresh nonce
 * per challenge; nonces can be expired (stale) or forgotten (rotated without saying stale).
 */
function fakeDevice(password = 'pw') {
  const seen: Seen[] = [];
  const nonces = new Map<string, 'valid' | 'expired' | 'forgotten'>();
  let counter = 0;
  const challenge = (stale: boolean) => {
    const nonce = Buffer.from(`nonce-${++counter}`).toString('base64');
    nonces.set(nonce, 'valid');
    return `Digest qop="auth", realm="DS-TEST", nonce="${nonce}", stale="${stale ? 'TRUE' : 'false'}", opaque="", domain="::"`;
  };
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const header = headers.get('authorization');
    const authorization = header ? Object.fromEntries(parseAuthenticateHeaders(header)[0]!.params) : null;
    const body = typeof init?.body === 'string' ? init.body : null;
    seen.push({ method: init?.method ?? 'GET', url: url.href, authorization, body });
    if (!authorization) return new Response('<userCheck/>', { status: 401, headers: { 'www-authenticate': challenge(false) } });
    const state = nonces.get(authorization['nonce']!);
    if (state === 'expired') return new Response('', { status: 401, headers: { 'www-authenticate': challenge(true) } });
    if (state !== 'valid') return new Response('', { status: 401, headers: { 'www-authenticate': challenge(false) } });
    const expected = computeDigestResponse({
      algorithm: 'MD5',
      username: 'admin',
      password,
      realm: 'DS-TEST',
      nonce: authorization['nonce']!,
      method: init?.method ?? 'GET',
      uri: authorization['uri']!,
      qop: 'auth',
      nc: parseInt(authorization['nc']!, 16),
      cnonce: authorization['cnonce']!,
    });
    if (authorization['uri'] !== `${url.pathname}${url.search}` || authorization['response'] !== expected) {
      return new Response('', { status: 401, headers: { 'www-authenticate': challenge(false) } });
    }
    return new Response(JSON.stringify({ ok: true, echo: body }), { status: 200, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return {
    seen,
    fetchImpl,
    expireAll: () => nonces.forEach((_v, k) => nonces.set(k, 'expired')),
    forgetAll: () => nonces.forEach((_v, k) => nonces.set(k, 'forgotten')),
  };
}

const client = (device: ReturnType<typeof fakeDevice>, password = 'pw') =>
  new DigestHttpClient({ baseUrl: 'http://192.0.2.10', username: 'admin', password, fetch: device.fetchImpl });

describe(DigestHttpClient.name, () => {
  it('answers the first 401, then reuses the nonce with an incrementing nc (one round trip per request)', async () => {
    const device = fakeDevice();
    const http = client(device);
    const first = await http.requestText('/ISAPI/AccessControl/AcsEvent?format=json', { method: 'POST', body: '{"a":1}' });
    expect(first).toMatchObject({ status: 200, json: { ok: true, echo: '{"a":1}' } });
    await http.requestText('/ISAPI/System/deviceInfo');
    await http.requestText('/ISAPI/System/deviceInfo');
    expect(device.seen.map((s) => s.authorization?.['nc'] ?? null)).toEqual([null, '00000001', '00000002', '00000003']);
    expect(new Set(device.seen.slice(1).map((s) => s.authorization!['nonce'])).size).toBe(1);
    expect(device.seen[1]!.authorization!['uri']).toBe('/ISAPI/AccessControl/AcsEvent?format=json');
    expect(device.seen[1]!.body).toBe('{"a":1}'); // the body is sent again with the credentials
    expect(http.stats).toMatchObject({ requests: 4, challenges: 1, staleNonces: 0, credentialRejections: 0 });
  });

  it('re-challenges on stale=true and restarts nc at 1', async () => {
    const device = fakeDevice();
    const http = client(device);
    await http.requestText('/a');
    device.expireAll();
    const res = await http.requestText('/b');
    expect(res.status).toBe(200);
    expect(device.seen.map((s) => s.authorization?.['nc'] ?? null)).toEqual([null, '00000001', '00000002', '00000001']);
    expect(http.stats.staleNonces).toBe(1);
  });

  it('retries once when a cached nonce is refused without stale (nonce rotated after a device reboot)', async () => {
    const device = fakeDevice();
    const http = client(device);
    await http.requestText('/a');
    device.forgetAll();
    expect((await http.requestText('/b')).status).toBe(200);
    expect(http.stats).toMatchObject({ challenges: 2, credentialRejections: 0 });
  });

  it('fails fast on wrong credentials: exactly one failed login, no retry loop (account lockout)', async () => {
    const device = fakeDevice('right');
    const http = client(device, 'wrong');
    const error = await http.request('/a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestAuthError);
    expect((error as DigestAuthError).reason).toBe('credentials-rejected');
    expect(device.seen.filter((s) => s.authorization !== null)).toHaveLength(1);
    // The next call starts fresh rather than replaying a rejected nonce.
    await http.request('/a').catch(() => undefined);
    expect(device.seen.filter((s) => s.authorization !== null)).toHaveLength(2);
  });

  it('refuses a Basic-only device instead of sending the password in clear text', async () => {
    const fetchImpl = (async () => new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="cam"' } })) as typeof fetch;
    const http = new DigestHttpClient({ baseUrl: 'http://192.0.2.10', username: 'u', password: 'p', fetch: fetchImpl });
    await expect(http.request('/x')).rejects.toMatchObject({ reason: 'no-digest-challenge', wwwAuthenticate: 'Basic realm="cam"' });
  });

  it('passes non-401 statuses through untouched', async () => {
    const fetchImpl = (async () => new Response('{"statusCode":4}', { status: 400 })) as typeof fetch;
    const http = new DigestHttpClient({ baseUrl: 'http://192.0.2.10', username: 'u', password: 'p', fetch: fetchImpl });
    expect(await http.requestText('/x')).toMatchObject({ status: 400, json: { statusCode: 4 } });
  });

  it('times out when headers do not arrive, with a typed error', async () => {
    const fetchImpl = ((_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)))) as typeof fetch;
    const http = new DigestHttpClient({ baseUrl: 'http://192.0.2.10', username: 'u', password: 'p', fetch: fetchImpl, requestTimeoutMs: 30 });
    await expect(http.request('/slow')).rejects.toBeInstanceOf(RequestTimeoutError);
  });
});

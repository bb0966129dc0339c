import { buildDigestAuthorization, computeDigestResponse, formatNonceCount } from './digest-authorization';
import { parseAuthenticateHeaders, selectDigestChallenge, toDigestChallenge, type DigestChallenge } from './digest-challenge';
import { AUTHORIZATION_STREAM_60, CHALLENGE_NEEDLE_415, CHALLENGE_STREAM_60, CHALLENGE_STREAM_77 } from './isapi-captures.fixtures';

// RFC 7616 §3.9.1: the same challenge offered with SHA-256 and MD5, as two WWW-Authenticate headers.
const RFC7616_SHA256 =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC7616_MD5 =
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const RFC7616_CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

function digest(header: string): DigestChallenge {
  const [challenge] = parseAuthenticateHeaders(header);
  const result = toDigestChallenge(challenge!);
  if (!result.ok) throw new Error(result.rejection.detail);
  return result.challenge;
}

/** Splits an Authorization header back into its parameters (test helper, quoted values unescaped). */
function authParams(header: string): Record<string, string> {
  const [challenge] = parseAuthenticateHeaders(header);
  return Object.fromEntries(challenge!.params);
}

describe('Digest challenge parsing (P10 captures)', () => {
  it('reads the DS-K1T673DX challenge: empty opaque, domain "::", stale "false", no algorithm', () => {
    expect(digest(CHALLENGE_STREAM_60)).toEqual({
      realm: 'DS-4D43F695',
      nonce: 'OGRjYzczNTRkZjIxMmRhMzFiNGQ2MTA1ZGVkOWZlNWU=',
      opaque: '',
      algorithm: 'MD5',
      algorithmRaw: null,
      qop: ['auth'],
      stale: false,
      userhash: false,
      domain: '::',
    });
    expect(digest(CHALLENGE_STREAM_77).nonce).toBe('NjI0OWRiZDg0ZTEzMGRjNjAxZWNkYjhhZTFkZWNjNmY=');
  });

  it('keeps a nonce containing ":" whole (needle#415)', () => {
    expect(digest(CHALLENGE_NEEDLE_415)).toMatchObject({
      realm: 'IP Camera',
      nonce: '636144c2:2970b5fdd41b5ac6b669848f43d2d22b',
      algorithm: 'MD5',
      algorithmRaw: 'MD5',
      opaque: null,
    });
  });

  it.each([
    ['round brackets (needle#340)', 'IP Camera(C6284)'],
    ['square brackets', 'Hikvision [DS-2CD2]'],
    ['comma, equals sign and colon', 'a,b=c:d'],
    ['escaped quote and backslash', 'say \\"hi\\" \\\\ bye'],
    ['non-ASCII', 'Caméra Entrée'],
  ])('reads a realm with %s', (_label, quoted) => {
    const challenge = digest(`Digest realm="${quoted}", nonce="n1", qop="auth"`);
    expect(challenge.realm).toBe(quoted.replace(/\\(.)/g, '$1'));
    expect(challenge.nonce).toBe('n1');
  });

  it('accepts unquoted values, odd spacing and upper-case names and flags', () => {
    const challenge = digest('digest  REALM = DS-1 ,NONCE=abc==, qop=auth,STALE=TRUE, algorithm = md5-sess');
    expect(challenge).toMatchObject({ realm: 'DS-1', nonce: 'abc==', qop: ['auth'], stale: true, algorithm: 'MD5-sess' });
  });

  it('splits several challenges joined into one header (fetch joins repeated WWW-Authenticate with ", ")', () => {
    const joined = `Basic realm="x", ${RFC7616_SHA256}, ${RFC7616_MD5}`;
    const all = parseAuthenticateHeaders(joined);
    expect(all.map((c) => [c.scheme, c.params.get('algorithm') ?? null])).toEqual([
      ['Basic', null],
      ['Digest', 'SHA-256'],
      ['Digest', 'MD5'],
    ]);
    expect(all[1]!.params.get('qop')).toBe('auth, auth-int');
    expect(parseAuthenticateHeaders([RFC7616_MD5, RFC7616_SHA256])).toHaveLength(2);
  });

  it('prefers SHA-256 over MD5 and never picks Basic', () => {
    expect(selectDigestChallenge([RFC7616_MD5, RFC7616_SHA256])?.algorithm).toBe('SHA-256');
    expect(selectDigestChallenge('Basic realm="cam"')).toBeNull();
    expect(selectDigestChallenge('Basic YWxhZGRpbjpvcGVuc2VzYW1l, Digest realm="r", nonce="n"')?.realm).toBe('r');
  });

  it('rejects unusable Digest challenges with a reason', () => {
    const reason = (header: string) => {
      const result = toDigestChallenge(parseAuthenticateHeaders(header)[0]!);
      return result.ok ? 'ok' : result.rejection.reason;
    };
    expect(reason('Digest realm="r"')).toBe('missing-nonce');
    expect(reason('Digest nonce="n"')).toBe('missing-realm');
    expect(reason('Digest realm="r", nonce="n", algorithm=SHA-1')).toBe('unsupported-algorithm');
    expect(reason('Digest realm="r", nonce="n", qop="auth-conf"')).toBe('unsupported-qop');
  });

  it('never throws on garbage headers', () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    const alphabet = 'Digest realm="nonce=,\\ \t:()[]qop';
    for (let round = 0; round < 500; round++) {
      const text = Array.from({ length: next() % 80 }, () => alphabet[next() % alphabet.length]).join('');
      expect(() => selectDigestChallenge(text)).not.toThrow();
    }
  });
});

describe('Digest response (RFC test vectors)', () => {
  const rfc7616 = { username: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: RFC7616_CNONCE };

  it('matches RFC 7616 §3.9.1 for MD5', () => {
    const c = digest(RFC7616_MD5);
    expect(computeDigestResponse({ ...rfc7616, algorithm: c.algorithm, realm: c.realm, nonce: c.nonce, qop: 'auth' })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('matches RFC 7616 §3.9.1 for SHA-256', () => {
    const c = digest(RFC7616_SHA256);
    expect(computeDigestResponse({ ...rfc7616, algorithm: c.algorithm, realm: c.realm, nonce: c.nonce, qop: 'auth' })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('matches RFC 2617 §3.5', () => {
    expect(
      computeDigestResponse({
        algorithm: 'MD5',
        username: 'Mufasa',
        password: 'Circle Of Life',
        realm: 'testrealm@host.com',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: 1,
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('builds the RFC 7616 SHA-256 Authorization header, echoing algorithm and opaque', () => {
    const header = buildDigestAuthorization(
      digest(RFC7616_SHA256),
      { username: 'Mufasa', password: 'Circle of Life' },
      { method: 'GET', uri: '/dir/index.html' },
      1,
      RFC7616_CNONCE,
    );
    expect(header.startsWith('Digest ')).toBe(true);
    expect(authParams(header)).toEqual({
      username: 'Mufasa',
      realm: 'http-auth@example.org',
      uri: '/dir/index.html',
      algorithm: 'SHA-256',
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      nc: '00000001',
      cnonce: RFC7616_CNONCE,
      qop: 'auth',
      response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    });
  });

  it('answers the captured challenge with the parameters of the reply the device accepted', () => {
    const header = buildDigestAuthorization(
      digest(CHALLENGE_STREAM_60),
      { username: 'admin', password: 'secret' },
      { method: 'PUT', uri: '/ISAPI/Event/notification/httpHosts' },
      1,
      'e46d1f2115dcd88e',
    );
    const ours = authParams(header);
    const accepted = authParams(AUTHORIZATION_STREAM_60);
    // Same parameter set (no algorithm, no empty opaque), same values except the password-dependent response.
    expect(Object.keys(ours).sort()).toEqual(Object.keys(accepted).sort());
    expect({ ...ours, response: 'x' }).toEqual({ ...accepted, response: 'x' });
  });

  it('handles the colon nonce end to end and RFC 2069 mode without qop', () => {
    const withColon = authParams(buildDigestAuthorization(digest(CHALLENGE_NEEDLE_415), { username: 'u', password: 'p' }, { method: 'GET', uri: '/a' }, 2, 'c'));
    expect(withColon['nonce']).toBe('636144c2:2970b5fdd41b5ac6b669848f43d2d22b');
    expect(withColon['nc']).toBe('00000002');
    const legacy = authParams(buildDigestAuthorization(digest('Digest realm="r", nonce="n"'), { username: 'u', password: 'p' }, { method: 'GET', uri: '/a' }, 1, 'c'));
    expect(legacy['qop']).toBeUndefined();
    expect(legacy['nc']).toBeUndefined();
    expect(legacy['response']).toBe(computeDigestResponse({ algorithm: 'MD5', username: 'u', password: 'p', realm: 'r', nonce: 'n', method: 'GET', uri: '/a', qop: null, nc: 1, cnonce: 'c' }));
  });

  it('escapes quotes in quoted values so a realm cannot break the header', () => {
    const header = buildDigestAuthorization(digest('Digest realm="a \\"b\\"", nonce="n", qop="auth"'), { username: 'u"x', password: 'p' }, { method: 'GET', uri: '/' }, 1, 'c');
    expect(authParams(header)).toMatchObject({ realm: 'a "b"', username: 'u"x' });
  });

  it('formats nc as 8 lower-case hex digits', () => {
    expect(formatNonceCount(1)).toBe('00000001');
    expect(formatNonceCount(255)).toBe('000000ff');
  });
});

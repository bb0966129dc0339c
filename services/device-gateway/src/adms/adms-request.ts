/** Reads ADMS query parameters case-insensitively (`SN` / `sn`), as devices and firmware differ. */
export function lowerCaseQuery(rawUrl: string): { path: string; query: Map<string, string>; queryString: string } {
  const url = new URL(rawUrl, 'http://device.local');
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) query.set(key.toLowerCase(), value);
  return { path: url.pathname, query, queryString: url.search.replace(/^\?/, '') };
}

/** Which ADMS endpoint a path names; devices may be configured with any base path before `/iclock/...`. */
export type AdmsEndpoint = 'cdata' | 'getrequest' | 'devicecmd' | 'ping' | 'fdata' | 'registry' | 'push' | 'querydata' | 'unknown';

export function admsEndpoint(path: string): AdmsEndpoint {
  const last = path.replace(/\/+$/, '').split('/').pop()?.toLowerCase() ?? '';
  const known: AdmsEndpoint[] = ['cdata', 'getrequest', 'devicecmd', 'ping', 'fdata', 'registry', 'push', 'querydata'];
  return known.includes(last as AdmsEndpoint) ? (last as AdmsEndpoint) : 'unknown';
}

const SERIAL_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function isPlausibleSerial(serial: string | undefined): serial is string {
  return serial !== undefined && SERIAL_PATTERN.test(serial);
}

/** PUSH 3.x ("Security PUSH") is selected by `pushver` 3.* (as thai_zkt does); rtlog exists only in 3.x. */
export function admsProtocol(pushVersion: string | null, table?: string): 'zk-push2' | 'zk-push3' {
  if (pushVersion !== null && /^\s*3(\.|$)/.test(pushVersion)) return 'zk-push3';
  return table === 'RTLOG' ? 'zk-push3' : 'zk-push2';
}

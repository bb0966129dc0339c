/**
 * Host port publications of a Compose file (short and long syntax, IPv4/IPv6 host IPs, ranges) and the
 * collisions between them: two publications clash on the same port and protocol when their host IPs are equal
 * or either binds every address.
 */
export interface PublishedPort {
  service: string;
  hostIp: string;
  port: number;
  protocol: string;
  /** The entry as written, for messages. */
  entry: string;
}

const ANY_ADDRESS = new Set(['', '0.0.0.0', '::', '[::]']);

/** Every host port a service publishes; unparsable entries are returned as problems. */
export function publishedPorts(service: string, ports: unknown): { published: PublishedPort[]; problems: string[] } {
  const published: PublishedPort[] = [];
  const problems: string[] = [];
  if (!Array.isArray(ports)) return { published, problems };
  for (const entry of ports) {
    const parsed = typeof entry === 'object' && entry !== null ? fromLongSyntax(entry) : fromShortSyntax(String(entry));
    if (typeof parsed === 'string') {
      problems.push(`services.${service}.ports: ${JSON.stringify(entry)} ${parsed}`);
      continue;
    }
    const text = typeof entry === 'object' ? JSON.stringify(entry) : String(entry);
    for (const port of parsed.ports) published.push({ service, hostIp: parsed.hostIp, port, protocol: parsed.protocol, entry: text });
  }
  return { published, problems };
}

/** One message per pair of publications that would fail to bind together. */
export function portCollisions(all: readonly PublishedPort[]): string[] {
  const problems: string[] = [];
  for (let i = 0; i < all.length; i += 1) {
    for (let j = i + 1; j < all.length; j += 1) {
      const a = all[i] as PublishedPort;
      const b = all[j] as PublishedPort;
      const sameAddress = a.hostIp === b.hostIp || ANY_ADDRESS.has(a.hostIp) || ANY_ADDRESS.has(b.hostIp);
      if (a.port === b.port && a.protocol === b.protocol && sameAddress) {
        problems.push(
          `ports: host port ${a.port}/${a.protocol} is published twice: ${a.service} (${a.entry}) and ${b.service} (${b.entry})`,
        );
      }
    }
  }
  return problems;
}

interface ParsedEntry {
  hostIp: string;
  ports: number[];
  protocol: string;
}

function fromShortSyntax(entry: string): ParsedEntry | string {
  const [mapping = '', protocol = 'tcp'] = entry.split('/');
  let hostIp = '';
  let rest = mapping;
  const ipv6 = /^\[([^\]]*)\]:(.*)$/.exec(mapping);
  if (ipv6) {
    hostIp = ipv6[1] ?? '';
    rest = ipv6[2] ?? '';
  }
  const parts = rest.split(':');
  if (!ipv6 && parts.length === 3) hostIp = parts.shift() ?? '';
  if (parts.length === 1) return { hostIp, ports: [], protocol }; // container port only: nothing on the host
  if (parts.length !== 2) return 'is not [host_ip:]published:target[/protocol]';
  const ports = portRange(parts[0] ?? '');
  return typeof ports === 'string' ? ports : { hostIp, ports, protocol };
}

function fromLongSyntax(entry: object): ParsedEntry | string {
  const record = entry as Record<string, unknown>;
  const protocol = typeof record.protocol === 'string' ? record.protocol : 'tcp';
  const hostIp = typeof record.host_ip === 'string' ? record.host_ip : '';
  if (record.published === undefined) return { hostIp, ports: [], protocol };
  const ports = portRange(String(record.published));
  return typeof ports === 'string' ? ports : { hostIp, ports, protocol };
}

/** `8080` or `8000-8010`; an empty published part means an ephemeral host port, which cannot collide. */
function portRange(text: string): number[] | string {
  if (text === '') return [];
  const match = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!match) return `has an invalid published port "${text}"`;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first) return `has an out-of-range published port "${text}"`;
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

import { parseArgs } from 'node:util';
import { HikvisionDevice } from './hikvision-device';

/**
 * Demo and load driver: one simulated Hikvision access terminal that the gateway pulls from (AcsEvent),
 * subscribes to (alertStream) and, with --push-url, receives httpHosts POSTs from.
 *   node tools/build/run-ts.mjs tools/simulators/hikvision-simulator.ts --port 8090 --initial-events 500
 * Every interval it records 1-3 events: mostly face/card/fingerprint punches of random employees, some door
 * and remote-operation events (not punches), so filters are exercised like on a real door. It keeps serving
 * (pull, alertStream) until SIGINT/SIGTERM, also after --max-events new events have been recorded.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8090' },
    host: { type: 'string', default: '127.0.0.1' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'hik12345' },
    realm: { type: 'string', default: 'DS-4D43F695' },
    algorithm: { type: 'string', default: 'MD5' },
    'time-zone': { type: 'string', default: 'America/Sao_Paulo' },
    employees: { type: 'string', default: '50' },
    'interval-ms': { type: 'string', default: '2000' },
    'initial-events': { type: 'string', default: '0' },
    'page-cap': { type: 'string', default: '30' },
    'nonce-ttl-ms': { type: 'string', default: '60000' },
    'heartbeat-ms': { type: 'string', default: '0' },
    'replay-on-connect': { type: 'string', default: '0' },
    'push-url': { type: 'string' },
    pictures: { type: 'boolean', default: false },
    'max-events': { type: 'string', default: '0' },
  },
});

const algorithm = values.algorithm === 'SHA-256' || values.algorithm === 'both' ? values.algorithm : 'MD5';
const employees = positiveInt(values.employees, 'employees');
const intervalMs = positiveInt(values['interval-ms'], 'interval-ms');
const maxEvents = Number(values['max-events']);
const device = new HikvisionDevice({
  username: values.username!,
  password: values.password!,
  realm: values.realm!,
  algorithm,
  timeZone: values['time-zone']!,
  pageCap: positiveInt(values['page-cap'], 'page-cap'),
  nonceTtlMs: positiveInt(values['nonce-ttl-ms'], 'nonce-ttl-ms'),
  heartbeatMs: Number(values['heartbeat-ms']),
  replayOnConnect: Number(values['replay-on-connect']),
  pictures: values.pictures!,
  ...(values['push-url'] ? { httpHostsUrl: values['push-url'] } : {}),
});

// Pass minors of major 5 (brief §3.3) and a few non-punch events seen in the captures.
const PUNCH_MINORS = [0x4b, 0x4b, 0x4b, 0x01, 0x26, 0xb5];
const STATUSES = ['checkIn', 'checkOut', 'breakOut', 'breakIn', 'undefined'];
let recorded = 0;
let stopping = false;

function recordOne(at = new Date()): void {
  const roll = Math.random();
  if (roll < 0.8) {
    const employee = String(1 + Math.floor(Math.random() * employees));
    const minor = PUNCH_MINORS[Math.floor(Math.random() * PUNCH_MINORS.length)]!;
    const event = device.punch(employee, { minor, at, attendanceStatus: STATUSES[Math.floor(Math.random() * STATUSES.length)]! });
    log({ event: 'punch', serialNo: event.serialNo, employee, minor });
  } else if (roll < 0.95) {
    const event = device.addEvent({ major: 5, minor: roll < 0.9 ? 21 : 22, at }); // door unlocked / locked
    log({ event: 'door', serialNo: event.serialNo });
  } else {
    const event = device.addEvent({ major: 3, minor: 1025, at }); // remote door open
    log({ event: 'operation', serialNo: event.serialNo });
  }
  recorded++;
}

function positiveInt(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), sim: 'hikvision', ...fields })}\n`);
}

async function main(): Promise<void> {
  const initial = Number(values['initial-events']);
  const start = Date.now() - initial * 60_000;
  for (let i = 0; i < initial; i++) device.punch(String(1 + (i % employees)), { at: new Date(start + i * 60_000) });
  const url = await device.listen(Number(values.port), values.host);
  log({ event: 'start', url, username: values.username, algorithm, initialEvents: initial, intervalMs, pushUrl: values['push-url'] ?? null });
  while (!stopping && (maxEvents === 0 || recorded < maxEvents)) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs * (0.5 + Math.random())));
    if (stopping) break;
    const count = 1 + Math.floor(Math.random() * 3);
    for (let i = 0; i < count; i++) recordOne();
  }
  log({ event: 'done', recorded, stats: device.stats });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
    log({ event: 'stopping', recorded, stats: device.stats });
    void device.close().finally(() => process.exit(0));
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

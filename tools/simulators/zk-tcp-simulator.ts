import { parseArgs } from 'node:util';
import { generateZkRecords, ZkTcpDevice } from './zk-tcp-device';

/**
 * Demo and load driver: N simulated ZK terminals speaking the binary protocol on TCP, for the gateway's pull
 * path (device-protocols.md §2).
 *   node tools/build/run-ts.mjs tools/simulators/zk-tcp-simulator.ts --port 4370 --devices 2 --records 5000
 * Device i listens on port + i. Each starts with a stored log and then punches random employees every
 * interval, pushing EF_ATTLOG events to clients that registered for them. Fault flags make it misbehave the
 * way field devices do (brief §4): a lying record count, a dropped transfer, a hang.
 */
const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4370' },
    devices: { type: 'string', default: '1' },
    'serial-prefix': { type: 'string', default: 'ZKSIM' },
    records: { type: 'string', default: '1000' },
    'record-size': { type: 'string', default: '40' },
    'comm-key': { type: 'string', default: '0' },
    'time-zone': { type: 'string', default: 'Asia/Kolkata' },
    'interval-ms': { type: 'string', default: '5000' },
    employees: { type: 'string', default: '50' },
    'realtime-layout': { type: 'string', default: '36' },
    'wrong-count': { type: 'string', default: '0' },
    'drop-at-chunk': { type: 'string' },
    'hang-after-ms': { type: 'string' },
  },
});

const RECORD_SIZES = [8, 16, 40, 49] as const;
const LAYOUTS = [10, 12, 14, 32, 36, 37, 52] as const;

const deviceCount = positiveInt(values.devices, 'devices');
const basePort = nonNegativeInt(values.port, 'port');
const intervalMs = positiveInt(values['interval-ms'], 'interval-ms');
const employees = positiveInt(values.employees, 'employees');
const recordSize = oneOf(RECORD_SIZES, Number(values['record-size']), 'record-size');
const realtimeLayout = oneOf(LAYOUTS, Number(values['realtime-layout']), 'realtime-layout');
const started: ZkTcpDevice[] = [];

async function main(): Promise<void> {
  for (let i = 0; i < deviceCount; i++) {
    const serial = `${values['serial-prefix']}${String(i + 1).padStart(4, '0')}`;
    const device = await ZkTcpDevice.start({
      serial,
      host: values.host,
      port: basePort === 0 ? 0 : basePort + i,
      commKey: nonNegativeInt(values['comm-key'], 'comm-key'),
      recordSize,
      realtimeLayout,
      timeZone: values['time-zone'],
      records: generateZkRecords(nonNegativeInt(values.records, 'records'), { employees }),
      users: Array.from({ length: employees }, (_, e) => ({ uid: e + 1, userId: String(1001 + e), name: `Employee ${e + 1}` })),
    });
    device.faults.recordCountDelta = Number(values['wrong-count']);
    if (values['drop-at-chunk'] !== undefined) device.faults.dropConnectionAtChunk = nonNegativeInt(values['drop-at-chunk'], 'drop-at-chunk');
    if (values['hang-after-ms'] !== undefined) {
      setTimeout(() => {
        device.faults.silent = true;
        log({ serial, event: 'hung' });
      }, positiveInt(values['hang-after-ms'], 'hang-after-ms')).unref();
    }
    started.push(device);
    log({ serial, event: 'listening', host: device.host, port: device.port, records: device.records.length, recordSize });
    setInterval(() => {
      const uid = 1 + Math.floor(Math.random() * employees);
      const record = { uid, userId: String(1000 + uid), verify: [1, 15, 4][uid % 3]!, state: Math.round(Math.random()), time: device.localTime() };
      device.punch(record);
      log({ serial, event: 'punch', userId: record.userId, localTime: record.time, connections: device.openConnections });
    }, intervalMs).unref();
  }
}

function positiveInt(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got "${raw}")`);
  return n;
}

function nonNegativeInt(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer (got "${raw}")`);
  return n;
}

function oneOf<T extends number>(allowed: readonly T[], value: number, name: string): T {
  if (!(allowed as readonly number[]).includes(value)) fail(`--${name} must be one of ${allowed.join(', ')} (got ${value})`);
  return value as T;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function log(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), sim: 'zk-tcp', ...fields })}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log({ event: 'stopping', exits: started.map((d) => d.counters.exits) });
    void Promise.all(started.map((d) => d.stop())).then(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}

// Keep the process alive while the servers listen (the punch timers are unref'd).
setInterval(() => undefined, 1 << 30);
void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

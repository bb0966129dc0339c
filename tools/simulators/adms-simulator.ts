import { parseArgs } from 'node:util';
import { AdmsDevice, isOkReply } from './adms-device';
import { jsonLogger, positiveInt, sleep, stopOnSignals } from './simulator-cli';

/**
 * Demo and load driver: N simulated ADMS devices punching against a gateway.
 *   node tools/build/run-ts.mjs tools/simulators/adms-simulator.ts --gateway http://127.0.0.1:8081 --devices 3
 * Each device handshakes, then every interval records 1-3 punches of random employees in its own log and
 * uploads them. Like real firmware, a batch that is not acknowledged with `OK: n` is kept and sent again
 * after a pause. Every interval it also polls getrequest and runs the gateway's commands (DATA QUERY ATTLOG
 * re-uploads a window of its log, VERIFY SUM ATTLOG answers the count). `--drop-every N` loses every Nth
 * punch on the push path (kept in the log), so reconciliation has something to recover.
 */
const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: 'http://127.0.0.1:8081' },
    devices: { type: 'string', default: '3' },
    'serial-prefix': { type: 'string', default: 'SIM' },
    'time-zone': { type: 'string', default: 'Asia/Kolkata' },
    /** Devices whose clocks run in another zone, e.g. `SIM0003=Asia/Dubai` (comma-separated). */
    'device-zones': { type: 'string', default: '' },
    'interval-ms': { type: 'string', default: '2000' },
    employees: { type: 'string', default: '50' },
    'max-uploads': { type: 'string', default: '0' },
    'drop-every': { type: 'string', default: '0' },
  },
});

const deviceCount = positiveInt(values.devices, 'devices');
const intervalMs = positiveInt(values['interval-ms'], 'interval-ms');
const employees = positiveInt(values.employees, 'employees');
const maxUploads = Number(values['max-uploads']);
const dropEvery = Number(values['drop-every']);
const deviceZones = new Map(
  values['device-zones']!
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const [serial, zone] = entry.split('=');
      if (!serial || !zone) throw new Error(`--device-zones: expected SERIAL=Zone, got "${entry}"`);
      return [serial, zone] as const;
    }),
);
let stopping = false;
const totals = { acknowledged: 0, retries: 0, dropped: 0, commands: 0 };

async function runDevice(index: number): Promise<void> {
  const serial = `${values['serial-prefix']}${String(index + 1).padStart(4, '0')}`;
  // NOTE: a device's clock must run in the zone the gateway is configured with for it, or every punch is off
  // by the difference (the gateway then reports it as clock skew, which is what it should do)
  const device = new AdmsDevice(serial, values.gateway!, deviceZones.get(serial) ?? values['time-zone']!);
  await retryUntil(async () => {
    const reply = await device.handshake();
    if (reply.status !== 200) throw new Error(`handshake HTTP ${reply.status}`);
    log({ serial, event: 'handshake', timeZoneOption: reply.options.get('TimeZone') });
  });
  let uploads = 0;
  let recorded = 0;
  while (!stopping && (maxUploads === 0 || uploads < maxUploads)) {
    const count = 1 + Math.floor(Math.random() * 3);
    for (let i = 0; i < count; i++) {
      recorded++;
      const dropFromPush = dropEvery > 0 && recorded % dropEvery === 0;
      if (dropFromPush) totals.dropped++;
      device.recordPunch(device.punchNow(String(1 + Math.floor(Math.random() * employees))), { dropFromPush });
    }
    try {
      // Unacknowledged punches stay in the log after the last pushed one and go again next round.
      const sending = device.unpushed().length;
      const reply = await device.pushNew();
      if (reply === null || isOkReply(reply, sending)) {
        if (reply) {
          totals.acknowledged += sending;
          log({ serial, event: 'uploaded', punches: sending, reply: reply.body.trim() });
        }
        uploads++;
      } else {
        totals.retries++;
        log({ serial, event: 'not-acknowledged', status: reply.status, reply: reply.body.trim().slice(0, 80) });
      }
      const ran = await device.runCommands();
      totals.commands += ran.length;
      for (const command of ran) log({ serial, event: 'command', id: command.id, command: command.command, answer: command.answer.split('\n')[0] });
    } catch (error) {
      totals.retries++;
      log({ serial, event: 'gateway-unreachable', error: (error as Error).message });
    }
    await sleep(intervalMs * (0.5 + Math.random()));
  }
}

async function retryUntil(work: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (stopping) return;
      log({ event: 'waiting-for-gateway', error: (error as Error).message });
      await sleep(2000);
    }
  }
}

const log = jsonLogger('adms');
stopOnSignals(() => (stopping = true), log, totals);

log({ event: 'start', gateway: values.gateway, devices: deviceCount, intervalMs });
void Promise.all(Array.from({ length: deviceCount }, (_, i) => runDevice(i))).then(() => log({ event: 'done', ...totals }));

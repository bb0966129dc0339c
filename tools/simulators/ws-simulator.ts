import { parseArgs } from 'node:util';
import { WsDevice, type WsPunch } from './ws-device';
import { jsonLogger, positiveInt, sleep, stopOnSignals } from './simulator-cli';

/**
 * Demo and load driver: N simulated WebSocket devices/agents punching against a gateway (docs/ws-device-protocol.md).
 *   node tools/build/run-ts.mjs tools/simulators/ws-simulator.ts --gateway ws://127.0.0.1:5001 --serial-prefix WS --token <token>
 * Each device says hello with its serial and token (the gateway's `ws` device entries), then every interval
 * sends 1-3 punches as one message. A punch is forgotten only on its ack; on a nack with `retryable` or a
 * dropped connection it is sent again (same punch, new message id) after a pause.
 */
const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: 'ws://127.0.0.1:5001' },
    devices: { type: 'string', default: '1' },
    'serial-prefix': { type: 'string', default: 'WS' },
    token: { type: 'string' },
    'time-zone': { type: 'string', default: 'Asia/Kolkata' },
    'interval-ms': { type: 'string', default: '2000' },
    employees: { type: 'string', default: '50' },
    'max-messages': { type: 'string', default: '0' },
  },
});

if (!values.token) {
  console.error('--token is required (the token of the gateway\'s ws device entries)');
  process.exit(2);
}
const deviceCount = positiveInt(values.devices, 'devices');
const intervalMs = positiveInt(values['interval-ms'], 'interval-ms');
const employees = positiveInt(values.employees, 'employees');
const maxMessages = Number(values['max-messages']);
let stopping = false;
const totals = { acked: 0, quarantined: 0, retries: 0 };

async function runDevice(index: number): Promise<void> {
  const serial = `${values['serial-prefix']}${String(index + 1).padStart(4, '0')}`;
  let device: WsDevice | null = null;
  let sent = 0;
  let pending: WsPunch[] = [];
  while (!stopping && (maxMessages === 0 || sent < maxMessages)) {
    try {
      if (!device || device.closed) {
        device = new WsDevice(serial, values.token!, values.gateway!, values['time-zone']!);
        const first = await device.connect({ deviceTime: new Date() });
        if (first?.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(first)}`);
        log({ serial, event: 'connected' });
      }
      if (pending.length === 0) pending = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => device!.punchNow(String(1 + Math.floor(Math.random() * employees))));
      const answer = await withTimeout(device.sendPunches(pending), 15_000);
      if (answer.type === 'ack') {
        totals.acked += Number(answer.stored);
        totals.quarantined += Number(answer.quarantined);
        log({ serial, event: 'acked', id: answer.id, stored: answer.stored, quarantined: answer.quarantined });
        pending = [];
        sent++;
      } else {
        totals.retries++;
        log({ serial, event: 'nacked', reason: answer.reason, retryable: answer.retryable });
        if (!answer.retryable) pending = [];
      }
    } catch (error) {
      totals.retries++;
      log({ serial, event: 'gateway-unreachable', error: (error as Error).message });
      await device?.close().catch(() => undefined);
      device = null;
      await sleep(2000);
    }
    await sleep(intervalMs * (0.5 + Math.random()));
  }
  await device?.close();
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

const log = jsonLogger('ws');
stopOnSignals(() => (stopping = true), log, totals);

log({ event: 'start', gateway: values.gateway, devices: deviceCount, intervalMs });
void Promise.all(Array.from({ length: deviceCount }, (_, i) => runDevice(i))).then(() => log({ event: 'done', ...totals }));

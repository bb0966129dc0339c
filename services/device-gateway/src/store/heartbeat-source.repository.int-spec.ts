import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgeStore } from './edge-store';
import { HeartbeatSourceRepository } from './heartbeat-source.repository';

// A real SQLite file: each device's last punch is its newest outbox row, published or not, found per device.
describe('heartbeat source: last punch and backlog per device', () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'heartbeat-source-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every device its newest punch time and its unsent count, and null for a device without punches', () => {
    const at = (minute: number) => `2026-03-02T08:${String(minute).padStart(2, '0')}:00.000Z`;
    const addDevice = store.db.prepare("INSERT INTO device (serial, status, protocol, first_seen_at, last_seen_at) VALUES (?, 'approved', 'zk-push2', ?, ?)");
    for (const serial of ['A', 'B', 'C']) addDevice.run(serial, at(0), at(0));
    const rawRequestId = store.rawRequests.insert({ deviceSerial: 'A', protocol: 'zk-push2', tableName: 'ATTLOG', query: '', body: Buffer.from(''), receivedAt: at(0), outcome: 'parsed' });
    // A: minutes 1..6, B: minutes 7..9 interleaved after it; C none. The newest rows are the ones published.
    const rows: [string, number][] = [['A', 1], ['B', 7], ['A', 2], ['A', 3], ['B', 8], ['A', 4], ['B', 9], ['A', 5], ['A', 6]];
    rows.forEach(([serial, minute], i) => store.outbox.insert({ eventId: `e${i}`, deviceSerial: serial, rawRequestId, payload: '{}', createdAt: at(minute) }));
    store.outbox.markPublished([6, 7, 8, 9], at(10)); // B's newest (id 7) and A's three newest

    const devices = new HeartbeatSourceRepository(store.db).devices(at(11));
    const view = Object.fromEntries(devices.map((d) => [d.serial, [d.lastPunchReceivedAt, d.backlogCount]]));
    expect(view).toEqual({ A: [at(6), 3], B: [at(9), 2], C: [null, 0] });
  });
});

import Database from 'better-sqlite3';
import { AdmsTestGateway } from './testing/adms-test-gateway';

const DEVICES = 40;
const serials = Array.from({ length: DEVICES }, (_, i) => `GC${String(i).padStart(3, '0')}`);
const attlog = (i: number) => `${100 + i}\t2024-06-01 09:${String(i % 60).padStart(2, '0')}:00\t0\t1\n${100 + i}\t2024-06-01 18:${String(i % 60).padStart(2, '0')}:00\t1\t1\n`;

// Many devices uploading at once over real HTTP, into a real on-disk SQLite (WAL, synchronous=FULL): their
// uploads share commits, and each device's `OK` must still mean "committed" (DESIGN.md 3.1).
describe('ADMS uploads under group commit', () => {
  let gateway: AdmsTestGateway;
  let reader: Database.Database;
  /** What a second connection (a process started after a crash) would find committed for a device. */
  const committedFor = (serial: string) => ({
    raw: reader.prepare('SELECT COUNT(*) FROM raw_request WHERE device_serial = ?').pluck().get(serial),
    punches: reader.prepare('SELECT COUNT(*) FROM punch_outbox WHERE device_serial = ?').pluck().get(serial),
    stamp: reader.prepare("SELECT stamp FROM device_stamp WHERE device_serial = ? AND table_name = 'ATTLOG'").pluck().get(serial) ?? null,
  });
  const post = (serial: string, i: number) => fetch(`${gateway.url}/iclock/cdata?SN=${serial}&table=ATTLOG&Stamp=${1000 + i}`, { method: 'POST', body: attlog(i) });

  beforeEach(async () => {
    gateway = await new AdmsTestGateway(serials.map((serial) => ({ serial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }))).start();
    reader = new Database(gateway.databasePath, { readonly: true });
  });

  afterEach(async () => {
    reader.close();
    await gateway.dispose();
  });

  it('answers OK to a device only when a second connection already sees its upload committed', async () => {
    const atAnswer = await Promise.all(
      serials.map(async (serial, i) => {
        const reply = await post(serial, i);
        const text = await reply.text();
        // Read the moment the reply arrived, before anything else can commit on its behalf.
        return { text, committed: committedFor(serial) };
      }),
    );
    expect(atAnswer).toEqual(serials.map((_, i) => ({ text: 'OK: 2', committed: { raw: 1, punches: 2, stamp: String(1000 + i) } })));
  });

  it('gives a failing upload no OK and keeps nothing of it, while the uploads sharing its commit are stored', async () => {
    const failing = new Set([serials[3], serials[17]]);
    const outbox = gateway.store.outbox as unknown as { insert: (row: { deviceSerial: string }) => void };
    const original = outbox.insert.bind(gateway.store.outbox);
    outbox.insert = (row) => {
      if (failing.has(row.deviceSerial)) throw new Error('disk I/O error');
      original(row);
    };
    const replies = await Promise.all(serials.map(async (serial, i) => ({ serial, status: (await post(serial, i)).status })));
    outbox.insert = original;

    for (const { serial, status } of replies) {
      if (failing.has(serial)) {
        expect({ serial, status, committed: committedFor(serial) }).toEqual({ serial, status: 503, committed: { raw: 0, punches: 0, stamp: null } });
      } else {
        expect({ serial, status, committed: committedFor(serial) }).toEqual({ serial, status: 200, committed: { raw: 1, punches: 2, stamp: String(1000 + serials.indexOf(serial)) } });
      }
    }
    // The payloads of the stored uploads are whole: one punch per line, each for its own device.
    const payloads = reader.prepare('SELECT device_serial AS serial, payload FROM punch_outbox').all() as { serial: string; payload: string }[];
    expect(payloads).toHaveLength(2 * (DEVICES - failing.size));
    for (const row of payloads) expect(JSON.parse(row.payload)).toMatchObject({ deviceSerial: row.serial, tenantId: 'tenant-a' });
    // Devices retry; the second attempt is stored like any upload.
    const retried = await Promise.all([...failing].map(async (serial) => (await post(serial!, serials.indexOf(serial!))).text()));
    expect(retried).toEqual(['OK: 2', 'OK: 2']);
    for (const serial of failing) expect(committedFor(serial!)).toMatchObject({ raw: 1, punches: 2 });
  });
});

import { AdmsDevice } from './adms-device';
import { AdmsCommandExpiredError, AdmsCommandQueue } from '../../services/device-gateway/src/adms/adms-command-queue';
import { AdmsTestGateway } from '../../services/device-gateway/src/adms/testing/adms-test-gateway';

// Real HTTP listener, real on-disk SQLite, the ADMS device simulator as the client.
describe(AdmsCommandQueue.name, () => {
  let gateway: AdmsTestGateway;
  const device = () => new AdmsDevice('CMD1', gateway.url, 'Asia/Kolkata');

  beforeEach(async () => {
    gateway = await new AdmsTestGateway([{ serial: 'CMD1', protocol: 'zk-push2', timeZone: 'Asia/Kolkata' }]).start();
  });
  afterEach(() => gateway.dispose());

  it('round trip: enqueue → device fetches C:<id>:<cmd> → device posts the result → waitForResult resolves', async () => {
    const sim = device();
    sim.recordPunch({ pin: '1', localTime: '2026-01-01 09:00:00' });
    sim.recordPunch({ pin: '2', localTime: '2026-01-01 10:00:00' });
    sim.recordPunch({ pin: '3', localTime: '2026-01-02 10:00:00' });
    const { id } = gateway.commands.enqueue('CMD1', 'VERIFY SUM ATTLOG StartTime=2026-01-01 00:00:00\tEndTime=2026-01-01 23:59:59');
    const waiting = gateway.commands.waitForResult(id, 30_000);

    const run = await sim.runCommands();
    expect(run.map((r) => r.command)).toEqual(['VERIFY SUM ATTLOG StartTime=2026-01-01 00:00:00\tEndTime=2026-01-01 23:59:59']);
    expect(run[0]!.id).toBe(String(id));
    const result = await waiting;
    expect(result).toEqual({
      returnCode: 0,
      body: { ID: String(id), Return: '0', CMD: 'VERIFY SUM', AttlogSum: '2' },
      raw: `ID=${id}&Return=0&CMD=VERIFY SUM&AttlogSum=2`,
    });
    // Delivered once: the next poll has nothing.
    expect((await sim.poll()).body).toBe('OK');
    expect(gateway.count('SELECT COUNT(*) AS n FROM raw_request WHERE table_name = ?', 'devicecmd')).toBe(1);
  });

  it('DATA QUERY ATTLOG makes the device re-upload the window, punches its push path dropped included', async () => {
    const sim = device();
    await sim.handshake();
    sim.recordPunch({ pin: '1', localTime: '2026-01-01 09:00:00' });
    sim.recordPunch({ pin: '2', localTime: '2026-01-01 09:05:00' }, { dropFromPush: true });
    sim.recordPunch({ pin: '3', localTime: '2026-01-01 09:10:00' });
    await sim.pushNew();
    expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(2);

    const { id } = gateway.commands.enqueue('CMD1', 'DATA QUERY ATTLOG StartTime=2026-01-01 00:00:00\tEndTime=2026-01-01 23:59:59');
    await sim.runCommands();
    await expect(gateway.commands.waitForResult(id, 30_000)).resolves.toMatchObject({ returnCode: 0, body: { CMD: 'DATA' } });
    const pins = gateway.store.db.prepare(`SELECT DISTINCT json_extract(payload, '$.deviceUserId') AS pin FROM punch_outbox ORDER BY pin`).all();
    expect(pins).toEqual([{ pin: '1' }, { pin: '2' }, { pin: '3' }]);
  });

  it('INFO: the multi-line answer completes the command and updates the device info (record count, capacity)', async () => {
    const sim = device();
    sim.recordPunch({ pin: '1', localTime: '2026-01-01 09:00:00' });
    const { id } = gateway.commands.enqueue('CMD1', 'INFO');
    await sim.runCommands();
    await expect(gateway.commands.waitForResult(id, 30_000)).resolves.toMatchObject({ returnCode: 0, body: { CMD: 'INFO', TransactionCount: '1', '~MaxAttLogCount': '10' } });
    expect(gateway.uploads.deviceInfo.info.get('CMD1')).toMatchObject({ recordCount: 1, recordsMax: 100_000 });
  });

  it('keeps commands and results across a gateway restart', async () => {
    const { id } = gateway.commands.enqueue('CMD1', 'CHECK');
    await gateway.stop();
    await gateway.start();
    const sim = device();
    await sim.runCommands();
    await gateway.stop();
    await gateway.start();
    // The result was stored before the restart; a new waiter finds it in the table.
    await expect(gateway.commands.waitForResult(id, 30_000)).resolves.toMatchObject({ returnCode: 0, body: { CMD: 'CHECK' } });
  });

  it('hands a command only to its own device and quarantines a result for an id it was never given', async () => {
    const { id } = gateway.commands.enqueue('CMD1', 'LOG');
    const other = new AdmsDevice('OTHER', gateway.url, 'Asia/Kolkata');
    expect((await other.poll()).body).toBe('OK');
    const reply = await other.postCommandResults(`not a result\nID=${id}&Return=0&CMD=LOG\n`);
    expect(reply.body).toBe('OK');
    expect(gateway.commands.get(id)!.status).toBe('pending');
    expect(gateway.store.quarantine.latest(5).map((q) => [q.deviceSerial, q.reason]).sort()).toEqual([
      ['OTHER', 'no-command-id'],
      ['OTHER', 'unknown-command-id'],
    ]);
  });

  it('expires a command past its deadline: not delivered, and the waiter is told', async () => {
    const { id } = gateway.commands.enqueue('CMD1', 'LOG', { deadlineMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(gateway.commands.waitForResult(id, 30_000)).rejects.toBeInstanceOf(AdmsCommandExpiredError);
    expect((await device().poll()).body).toBe('OK');
    expect(gateway.commands.get(id)!.status).toBe('expired');
  });

  it('refuses a command with a line break (it would smuggle a second command)', () => {
    expect(() => gateway.commands.enqueue('CMD1', 'LOG\nCLEAR LOG')).toThrow('one non-empty line');
  });
});

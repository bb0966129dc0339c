import { AdmsDevice } from './adms-device';
import { AdmsPush3Device } from './adms-push3-device';
import { deviceLocalTime } from './device-clock';
import { AdmsTestGateway } from '../../services/device-gateway/src/adms/testing/adms-test-gateway';

// The rest of PUSH 2.x and PUSH 3.x against a real listener and real on-disk SQLite, with the simulators as
// clients. Device events are read back from the production recorder's SQLite outbox.
const ZONE = 'Asia/Kolkata';
const device = (serial: string) => ({ serial, protocol: 'zk-push2' as const, timeZone: ZONE });

describe('ADMS PUSH tables, device info and PUSH 3.x', () => {
  let gateway: AdmsTestGateway;
  afterEach(() => gateway.dispose());

  describe('with photos discarded', () => {
    beforeEach(async () => {
      gateway = await new AdmsTestGateway([device('OP1'), device('P3X')]).start();
    });

    it('OPERLOG: users upserted, audit operations 21/23/13 become audit device events, a bad line is quarantined with an event', async () => {
      const sim = new AdmsDevice('OP1', gateway.url, ZONE);
      const body = [
        'USER PIN=2\tName=Johny Deep\tPri=0\tPasswd=\tCard=\tGrp=1\tTZ=0000000100000000\tVerify=0\tViceCard=\tStartDatetime=0\tEndDatetime=0',
        'OPLOG 4\t14\t2015-07-30 10:22:34\t0\t0\t0\t0',
        'OPLOG 21\t1\t2024-03-01 08:00:00\t0\t0\t0\t0',
        'OPLOG 23\t1\t2024-03-01 08:01:00\t0\t0\t0\t0',
        'OPLOG 13\t\t2024-03-01 08:02:00\t0\t0\t0\t0',
        'SOMETHING else',
        'USER PIN=2\tName=Johnny Depp\tPri=14\tPasswd=\tCard=[5A3C0100]\tGrp=1',
      ].join('\n');
      const reply = await sim.uploadTable('OPERLOG', body + '\n');
      expect(reply.body).toBe('OK: 7');

      const users = gateway.store.db.prepare('SELECT pin, name, privilege, card FROM adms_device_user WHERE device_serial = ?').all('OP1');
      expect(users).toEqual([{ pin: '2', name: 'Johnny Depp', privilege: '14', card: '[5A3C0100]' }]);
      const audits = gateway.deviceEvents('audit');
      expect(audits.map((e) => e.type === 'audit' && [e.operation, e.operationCode, e.operator, e.deviceLocalTime])).toEqual([
        ['time-set', '21', '1', '2024-03-01T08:00:00'],
        ['logs-deleted', '23', '1', '2024-03-01T08:01:00'],
        ['data-cleared', '13', null, '2024-03-01T08:02:00'],
      ]);
      expect(audits[0]).toMatchObject({ deviceSerial: 'OP1', tenantId: 'tenant-a', raw: 'OPLOG 21\t1\t2024-03-01 08:00:00\t0\t0\t0\t0' });
      const [quarantined] = gateway.store.quarantine.latest(5);
      expect(quarantined).toMatchObject({ deviceSerial: 'OP1', lineNumber: 6, reason: 'unparsable-line' });
      expect(gateway.deviceEvents('line-quarantined')).toEqual([
        expect.objectContaining({ quarantineId: String(quarantined!.id), reason: 'unparsable-line', protocol: 'zk-push2', rawExcerpt: 'SOMETHING else' }),
      ]);
      expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
    });

    it('ATTLOG: a quarantined line also becomes a line-quarantined event, the good lines still punches', async () => {
      const sim = new AdmsDevice('OP1', gateway.url, ZONE);
      const reply = await sim.uploadAttlogBody('1\t2024-06-01 09:00:00\t0\t1\t0\t0\t0\n1\t1999-01-01 00:00:00\t0\t1\t0\t0\t0\n');
      expect(reply.body).toBe('OK: 2');
      expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(1);
      expect(gateway.deviceEvents('line-quarantined')).toEqual([expect.objectContaining({ reason: 'implausible-time', rawExcerpt: '1\t1999-01-01 00:00:00\t0\t1\t0\t0\t0' })]);
    });

    it('an unknown serial produces one unknown-device event, also across a restart, and nothing is forwarded', async () => {
      const stranger = new AdmsDevice('STRANGER9', gateway.url, ZONE);
      await stranger.handshake();
      await stranger.poll();
      expect((await stranger.uploadPunches([stranger.punchNow('5')])).body).toBe('OK: 1');
      await gateway.stop();
      await gateway.start();
      const again = new AdmsDevice('STRANGER9', gateway.url, ZONE);
      await again.poll();
      await again.ping();
      expect(gateway.deviceEvents('unknown-device')).toEqual([expect.objectContaining({ deviceSerial: 'STRANGER9', protocol: 'zk-push2', remoteAddress: expect.stringContaining('127.0.0.1') })]);
      expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
    });

    it('ATTPHOTO under "discard": acknowledged with OK, only the header kept, punches unaffected', async () => {
      const sim = new AdmsDevice('OP1', gateway.url, ZONE);
      const image = Buffer.alloc(64 * 1024, 0xab);
      const photo = Buffer.concat([Buffer.from(`PIN=20240601-1.jpg\nSN=OP1\nsize=${image.length}\nCMD=uploadphoto\0`), image]);
      const [photoReply, punchReply] = await Promise.all([sim.uploadTable('ATTPHOTO', photo, { path: '/iclock/fdata' }), sim.uploadPunches([sim.punchNow('7')])]);
      expect(photoReply.body).toBe('OK');
      expect(punchReply.body).toBe('OK: 1');
      expect(gateway.count('SELECT COUNT(*) AS n FROM adms_photo')).toBe(0);
      const raw = gateway.store.db.prepare("SELECT body FROM raw_request WHERE table_name = 'ATTPHOTO'").get() as { body: Buffer };
      expect(raw.body.toString()).toBe(`PIN=20240601-1.jpg\nSN=OP1\nsize=${image.length}\nCMD=uploadphoto`);
    });

    it('INFO and options: capacity device events when the level changes (warning at 80 %, critical at 95 %), not on every poll', async () => {
      const sim = new AdmsDevice('OP1', gateway.url, ZONE);
      expect((await sim.uploadTable('options', 'FingerFunOn=1,FaceFunOn=1,~MaxAttLogCount=10')).body).toBe('OK');
      await sim.pollWithInfo('Ver 6.60 Apr 2024,12,30,50000,10.0.0.5,10,7,15,3,111');
      await sim.pollWithInfo('Ver 6.60 Apr 2024,12,30,85000,10.0.0.5,10,7,15,3,111');
      await sim.pollWithInfo('Ver 6.60 Apr 2024,12,30,86000,10.0.0.5,10,7,15,3,111');
      await sim.pollWithInfo('Ver 6.60 Apr 2024,12,30,96000,10.0.0.5,10,7,15,3,111');
      const capacity = gateway.deviceEvents('capacity');
      expect(capacity.map((e) => e.type === 'capacity' && [e.level, e.recordsUsed, e.recordsMax])).toEqual([
        ['warning', 85000, 100000],
        ['critical', 96000, 100000],
      ]);
      const info = gateway.uploads.deviceInfo.info.get('OP1');
      expect(info).toMatchObject({ firmware: 'Ver 6.60 Apr 2024', userCount: 12, fingerprintCount: 30, recordCount: 96000, faceCount: 3, recordsMax: 100000 });
      expect(gateway.health.states.get('OP1')).toMatchObject({ recordsUsed: 96000, recordsMax: 100000, capacityLevel: 'critical' });
    });

    it('clock skew from a realtime punch of a device clock 10 minutes ahead, stored for heartbeats', async () => {
      const sim = new AdmsDevice('OP1', gateway.url, ZONE);
      const ahead = new Date(Date.now() + 10 * 60_000);
      expect((await sim.uploadPunches([{ pin: '3', localTime: deviceLocalTime(ahead, ZONE) }])).body).toBe('OK: 1');
      const [skew] = gateway.deviceEvents('clock-skew');
      expect(skew).toMatchObject({ state: 'exceeded', deviceSerial: 'OP1' });
      expect(skew!.type === 'clock-skew' && skew!.skewSeconds).toBeGreaterThan(500);
      const row = gateway.store.db.prepare('SELECT clock_skew_seconds AS s FROM device WHERE serial = ?').get('OP1') as { s: number };
      expect(row.s).toBeGreaterThan(500);
    });

    it('PUSH 3.x by pushver: handshake, registry, push config, rtlog punches on the durable path as zk-push3', async () => {
      const sim = new AdmsPush3Device('P3X', gateway.url, ZONE);
      const handshake = await sim.handshake();
      expect(handshake.options.get('ServerVer')).toBe('3.1.2');
      expect((await sim.register()).body).toMatch(/^RegistryCode=[0-9a-f]{16}$/);
      const push = await sim.fetchPushConfig();
      expect(push.config.get('TransTables')).toBe('User Transaction');
      expect(push.config.get('Realtime')).toBe('1');

      const reply = await sim.uploadRtlog([
        sim.rtlogNow('12'),
        { ...sim.rtlogNow('0'), event: '200' },
        { pin: '13', localTime: '2024-02-30 08:00:00' },
      ]);
      expect(reply.body).toBe('OK');
      const punches = gateway.store.db.prepare('SELECT payload FROM punch_outbox').all() as { payload: string }[];
      expect(punches.map((p) => JSON.parse(p.payload) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ deviceUserId: '12', protocol: 'zk-push3', deviceSerial: 'P3X', source: 'push', deviceCursor: '1' }),
      ]);
      expect(gateway.store.quarantine.latest(5).map((q) => q.reason)).toEqual(['invalid-date']);
      expect(gateway.uploads.deviceInfo.info.get('P3X')).toMatchObject({ recordsMax: 100000, recordCount: 120 });
    });
  });

  describe('with photos stored', () => {
    beforeEach(async () => {
      gateway = await new AdmsTestGateway([device('PH1')], { attPhotoPolicy: 'store' }).start();
    });

    it('ATTPHOTO under "store": the JPEG bytes are kept exactly (NUL, CR, LF inside); a truncated one is quarantined', async () => {
      const sim = new AdmsDevice('PH1', gateway.url, ZONE);
      const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x0a, 0x0d, 0x00, 0x0a, 0xff, 0xd9]);
      const photo = Buffer.concat([Buffer.from(`PIN=p1.jpg\nSN=PH1\nsize=${image.length}\nCMD=uploadphoto\0`), image]);
      expect((await sim.uploadTable('ATTPHOTO', photo)).body).toBe('OK');
      const stored = gateway.store.db.prepare('SELECT file_name, declared_size, image FROM adms_photo').all() as { file_name: string; declared_size: number; image: Buffer }[];
      expect(stored.map((r) => [r.file_name, r.declared_size, r.image.equals(image)])).toEqual([['p1.jpg', image.length, true]]);

      const truncated = Buffer.concat([Buffer.from('PIN=p2.jpg\nSN=PH1\nsize=5000\nCMD=uploadphoto\0'), image]);
      expect((await sim.uploadTable('ATTPHOTO', truncated)).body).toBe('OK');
      expect(gateway.store.quarantine.latest(5)).toEqual([expect.objectContaining({ reason: 'unparsable-photo' })]);
      expect(gateway.deviceEvents('line-quarantined')).toEqual([expect.objectContaining({ reason: 'unparsable-photo' })]);
    });
  });
});

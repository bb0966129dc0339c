import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AdmsDevice } from './adms-device';
import { AdmsPush3Device } from './adms-push3-device';
import { AdmsTestGateway } from '../../services/device-gateway/src/adms/testing/adms-test-gateway';
import { DeviceApprovalService } from '../../services/device-gateway/src/api/device-approval.service';
import type { DeviceEventRecorder } from '../../services/device-gateway/src/events/device-event-recorder';

// Unknown ADMS devices (PUSH 2.x and 3.x simulators) talk to a real listener over real on-disk SQLite while
// pending; approving them replays what they sent, exactly once, also across a kill -9 in the middle.
const ZONE = 'Asia/Kolkata';
const repoRoot = join(__dirname, '..', '..');

describe('approving a pending ADMS device replays everything it sent while pending', () => {
  let gateway: AdmsTestGateway;
  const approvals = () => new DeviceApprovalService(gateway.store, gateway.config, { events: gateway.events, health: gateway.health });
  const rows = <T>(sql: string, ...params: unknown[]) => gateway.store.db.prepare(sql).all(...params) as T[];
  const punches = (serial: string) => rows<{ payload: string }>('SELECT payload FROM punch_outbox WHERE device_serial = ? ORDER BY id', serial).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  const pendingRequests = (serial: string) => gateway.count("SELECT COUNT(*) AS n FROM raw_request WHERE device_serial = ? AND outcome = 'pending-device'", serial);

  beforeEach(async () => {
    gateway = await new AdmsTestGateway([]).start();
  });
  afterEach(() => gateway.dispose());

  it('PUSH 2.x ATTLOG, OPERLOG (users, audits), options and PUSH 3.x registry and rtlog, each as a live request would be', async () => {
    const v2 = new AdmsDevice('NEW2X', gateway.url, ZONE);
    await v2.handshake();
    expect((await v2.uploadAttlogBody('7\t2024-06-01 09:00:00\t0\t1\t0\t0\t0\n7\t2024-02-30 09:00:00\t0\t1\t0\t0\t0\n8\t2024-06-01 18:00:00\t1\t1\t0\t0\t0\n')).body).toBe('OK: 3');
    const operlog = ['USER PIN=7\tName=Asha Rao\tPri=0\tPasswd=\tCard=\tGrp=1', 'OPLOG 21\t1\t2024-06-01 08:00:00\t0\t0\t0\t0', 'OPLOG 4\t14\t2024-06-01 08:01:00\t0\t0\t0\t0', 'garbage line'].join('\n');
    expect((await v2.uploadTable('OPERLOG', operlog + '\n')).body).toBe('OK: 4');
    expect((await v2.uploadTable('options', '~MaxAttLogCount=10,TransactionCount=9000')).body).toBe('OK');
    expect((await v2.uploadTable('USERPIC', 'PIN=7\tSize=3\tContent=AAA\n')).body).toMatch(/^OK/);

    const v3 = new AdmsPush3Device('NEW3X', gateway.url, ZONE);
    await v3.handshake();
    await v3.register('~DeviceName=inBio460,~MaxAttLogCount=10,TransactionCount=120');
    await v3.fetchPushConfig();
    expect((await v3.uploadRtlog([{ pin: '12', localTime: '2024-06-01 09:30:00' }, { pin: '0', localTime: '2024-06-01 09:31:00', event: '200' }, { pin: '13', localTime: '2024-02-30 08:00:00' }])).body).toBe('OK'); // as when approved

    // Pending: kept raw, nothing forwarded, no users, audits or device info yet.
    expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(0);
    expect(gateway.count('SELECT COUNT(*) AS n FROM adms_device_user')).toBe(0);
    expect(gateway.deviceEvents('audit')).toEqual([]);
    expect(gateway.uploads.deviceInfo.info.get('NEW2X')?.recordsMax ?? null).toBeNull();
    const quarantinedBefore = gateway.count('SELECT COUNT(*) AS n FROM quarantine');

    const v2Result = approvals().approve('NEW2X');
    expect(v2Result).toMatchObject({ newlyApproved: true, replayedRequests: 4, punches: 2, quarantined: 2, users: 1, audits: 1, keptPending: 0 });
    expect(punches('NEW2X')).toEqual([
      expect.objectContaining({ deviceUserId: '7', localTime: '2024-06-01T09:00:00', punchedAt: '2024-06-01T03:30:00Z', protocol: 'zk-push2', deviceCursor: '1', source: 'push' }),
      expect.objectContaining({ deviceUserId: '8', direction: 'out', protocol: 'zk-push2' }),
    ]);
    expect(rows('SELECT pin, name FROM adms_device_user WHERE device_serial = ?', 'NEW2X')).toEqual([{ pin: '7', name: 'Asha Rao' }]);
    expect(gateway.deviceEvents('audit')).toEqual([expect.objectContaining({ deviceSerial: 'NEW2X', operation: 'time-set', operationCode: '21', deviceLocalTime: '2024-06-01T08:00:00' })]);
    expect(gateway.uploads.deviceInfo.info.get('NEW2X')).toMatchObject({ recordsMax: 100000, recordCount: 9000 });
    expect(rows<{ t: string; o: string }>('SELECT table_name AS t, outcome AS o FROM raw_request WHERE device_serial = ? ORDER BY id', 'NEW2X')).toEqual([
      { t: 'ATTLOG', o: 'parsed' },
      { t: 'OPERLOG', o: 'parsed' },
      { t: 'OPTIONS', o: 'parsed' },
      { t: 'USERPIC', o: 'stored-unparsed' },
    ]);

    const v3Result = approvals().approve('NEW3X');
    expect(v3Result).toMatchObject({ newlyApproved: true, replayedRequests: 2, punches: 1, quarantined: 1 }); // registry + rtlog (an empty push body is not stored)
    expect(punches('NEW3X')).toEqual([expect.objectContaining({ deviceUserId: '12', protocol: 'zk-push3', deviceCursor: '1', punchedAt: '2024-06-01T04:00:00Z' })]);
    expect(gateway.uploads.deviceInfo.info.get('NEW3X')).toMatchObject({ recordsMax: 100000, recordCount: 120 });
    expect(pendingRequests('NEW3X')).toBe(0);

    // Every quarantined line is reported like a live one, and nothing is replayed twice.
    expect(gateway.count('SELECT COUNT(*) AS n FROM quarantine')).toBe(quarantinedBefore + 3);
    expect(gateway.deviceEvents('line-quarantined').map((e) => e.type === 'line-quarantined' && [e.deviceSerial, e.reason])).toEqual(
      expect.arrayContaining([
        ['NEW2X', 'invalid-date'],
        ['NEW2X', 'unparsable-line'],
        ['NEW3X', 'invalid-date'],
      ]),
    );
    expect(approvals().approve('NEW2X')).toMatchObject({ newlyApproved: false, replayedRequests: 0, punches: 0, audits: 0 });
    expect(approvals().replayApprovedDevices()).toEqual([]);
    expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(3);
    expect(gateway.deviceEvents('audit')).toHaveLength(1);
  });

  it('a request whose replay fails is rolled back alone and stays pending; the others go on, and a later approval replays it', async () => {
    const device = new AdmsDevice('POISON1', gateway.url, ZONE);
    await device.handshake();
    await device.uploadPunches([{ pin: '1', localTime: '2024-06-03 09:00:00' }]);
    await device.uploadTable('OPERLOG', 'USER PIN=1\tName=Ravi\tPri=0\nOPLOG 23\t1\t2024-06-03 09:01:00\t0\t0\t0\t0\n');
    await device.uploadPunches([{ pin: '2', localTime: '2024-06-03 09:02:00' }]);
    // The event outbox refuses the audit (as it would refuse an event failing its contract).
    const refusing: DeviceEventRecorder = {
      record(event) {
        if (event.type === 'audit') throw new Error('event refused');
        gateway.events.record(event);
      },
    };
    const failures: number[] = [];
    const first = new DeviceApprovalService(gateway.store, gateway.config, { events: refusing, onReplayFailure: (_serial, requestId) => failures.push(requestId) }).approve('POISON1');
    expect(first).toMatchObject({ replayedRequests: 2, punches: 2, users: 0, audits: 0, keptPending: 1 });
    expect(failures).toHaveLength(1);
    expect(rows('SELECT outcome FROM raw_request WHERE id = ?', failures[0])).toEqual([{ outcome: 'pending-device' }]);
    // Its user upsert was rolled back with it.
    expect(gateway.count("SELECT COUNT(*) AS n FROM adms_device_user WHERE device_serial = 'POISON1'")).toBe(0);

    expect(approvals().replayApprovedDevices()).toEqual([expect.objectContaining({ serial: 'POISON1', replayedRequests: 1, punches: 0, users: 1, audits: 1, keptPending: 0 })]);
    expect(pendingRequests('POISON1')).toBe(0);
    expect(gateway.count("SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = 'POISON1'")).toBe(2);
  });

  it('a kill -9 inside a replay batch keeps the batches before it; the start-up replay does the rest, each punch and audit once', async () => {
    const device = new AdmsDevice('BIG1', gateway.url, ZONE);
    await device.handshake();
    const requests = 130;
    let expectedPunches = 0;
    let expectedAudits = 0;
    for (let i = 0; i < requests; i++) {
      const minute = String(i % 60).padStart(2, '0');
      const hour = String(8 + Math.floor(i / 60)).padStart(2, '0');
      if (i % 10 === 9) {
        expect((await device.uploadTable('OPERLOG', `OPLOG 21\t1\t2024-06-02 ${hour}:${minute}:00\t0\t0\t0\t0\n`)).body).toBe('OK: 1');
        expectedAudits++;
      } else {
        expect((await device.uploadPunches([{ pin: `${i}`, localTime: `2024-06-02 ${hour}:${minute}:00` }, { pin: `${i}`, localTime: `2024-06-02 ${hour}:${minute}:30`, status: '1' }])).body).toBe('OK: 2');
        expectedPunches += 2;
      }
    }
    await gateway.stop();

    // The 7th audit is request 70, inside the second batch of 50: the first batch is durable, the second is not.
    const identity = { gatewayId: gateway.config.gatewayId, tenantId: gateway.config.tenantId, siteId: gateway.config.siteId, siteTimeZone: ZONE };
    const exit = await runToCompletion(process.execPath, [join(repoRoot, 'tools/build/run-ts.mjs'), 'services/device-gateway/src/api/testing/replay-crash-child.ts', gateway.databasePath, 'BIG1', '7', JSON.stringify(identity)]);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });

    await gateway.start();
    expect(gateway.store.devices.get('BIG1')).toMatchObject({ status: 'approved', approvedAt: expect.any(String) });
    expect(gateway.count("SELECT COUNT(*) AS n FROM raw_request WHERE device_serial = 'BIG1' AND outcome = 'parsed'")).toBe(50);
    expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(90);
    expect(gateway.deviceEvents('audit')).toHaveLength(5);

    const resumed = approvals().replayApprovedDevices();
    expect(resumed).toEqual([expect.objectContaining({ serial: 'BIG1', newlyApproved: false, replayedRequests: 80, punches: expectedPunches - 90, audits: expectedAudits - 5 })]);
    expect(pendingRequests('BIG1')).toBe(0);
    expect(gateway.count('SELECT COUNT(*) AS n FROM punch_outbox')).toBe(expectedPunches);
    expect(gateway.count('SELECT COUNT(DISTINCT event_id) AS n FROM punch_outbox')).toBe(expectedPunches);
    const audits = gateway.deviceEvents('audit');
    expect(audits).toHaveLength(expectedAudits);
    expect(new Set(audits.map((a) => a.type === 'audit' && a.deviceLocalTime)).size).toBe(expectedAudits);
    expect(approvals().replayApprovedDevices()).toEqual([]);
  });
});

function runToCompletion(command: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

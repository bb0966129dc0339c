import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { GatewayCommandV1 } from '@attendance/contracts';
import { testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { HikvisionDevice } from '../../tools/simulators/hikvision-device';
import { ZkTcpDevice } from '../../tools/simulators/zk-tcp-device';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { GatewayCommandClient } from './gateway-command-client';
import { startGateway } from './in-process-services';

/**
 * push-users to the pull-mode devices over the real broker: a command on edge.gateway.command.v1, run by the
 * wired gateway against the ZK TCP and Hikvision simulators (names from the roster cache), answered on
 * edge.gateway.command-result.v1 with the outcome and the first failure's code. Also: the Hikvision
 * event-store fill level reaches device_state and the capacity device event, as ZK's does.
 */
describe('push-users to ZK TCP and Hikvision devices over Kafka', () => {
  const suffix = uniqueSuffix();
  const gatewayId = `gw-users-${suffix}`;
  const tenantId = `tenant-${suffix}`;
  const zkSerial = `ZKU${suffix}`.slice(0, 20);
  const hikSerial = `HKU${suffix}`.slice(0, 20);
  let dataDir: string;
  let zk: ZkTcpDevice;
  let hik: HikvisionDevice;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let commands: GatewayCommandClient;

  const until = <T>(description: string, condition: () => T) => waitFor(condition, { description, timeoutMs: 60_000 });
  const resultOf = (commandId: string) => commands.resultOf(commandId);
  const pushUsers = (deviceSerial: string, upsertDeviceUserIds: string[] | null, deleteDeviceUserIds: string[] = []): GatewayCommandV1 =>
    commands.command({ type: 'push-users', args: { deviceSerial, upsertDeviceUserIds, deleteDeviceUserIds } });
  const events = (serial: string) =>
    (runtime.store.db.prepare('SELECT payload FROM device_event_outbox WHERE device_serial = ? ORDER BY id').all(serial) as { payload: string }[]).map(
      (row) => JSON.parse(row.payload) as { type: string; level?: string; recordsUsed?: number; recordsMax?: number | null },
    );

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers;
    zk = await ZkTcpDevice.start({
      serial: zkSerial,
      timeZone: 'UTC',
      users: [{ uid: 3, userId: '77', name: 'Leaving' }],
      records: [{ uid: 3, userId: '77', verify: 1, state: 0, time: '2024-05-01 08:00:00' }],
    });
    hik = new HikvisionDevice({ timeZone: 'UTC', password: 'users-pass' });
    hik.eventCapacity = 3; // 3 events stored below: a full store
    const hikUrl = await hik.listen();
    hik.punch('10', { at: new Date('2024-05-01T08:00:00Z') });
    hik.punch('11', { at: new Date('2024-05-01T08:30:00Z') });
    hik.addEvent({ major: 5, minor: 21 }); // a door event counts toward the store too
    hik.users.persons.set('900', { employeeNo: '900', name: 'Gone Soon', userType: 'normal', valid: null });

    dataDir = mkdtempSync(join(tmpdir(), 'gateway-users-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'UTC' },
          { serial: hikSerial, protocol: 'hikvision', baseUrl: hikUrl, username: 'admin', password: { env: 'HIK_USERS_PASSWORD' }, timeZone: 'UTC' },
        ],
      }),
    );
    commands = await GatewayCommandClient.start(brokers, { tenantId, gatewayId });
    ({ app: gateway, runtime } = await startGateway({
      KAFKA_BROKERS: brokers.join(','),
      GATEWAY_ID: gatewayId,
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      HIK_USERS_PASSWORD: 'users-pass',
      PULL_INTERVAL_S: '3600',
    }));
    // The roster cache as the reference pull fills it (names for push-users); no sync-coordinator in this test.
    const insert = runtime.store.db.prepare("INSERT INTO reference_employee (employee_id, code, name, status, cursor, changed_at) VALUES (?, ?, ?, ?, '1', '2024-05-01T00:00:00Z')");
    insert.run('e1', '0031', 'Asha Rao', 'active');
    insert.run('e2', '0032', '张伟'.repeat(5), 'active'); // 30 bytes of UTF-8: more than a ZK name field holds
    insert.run('e3', '0033', 'Was Here', 'inactive');
    await runtime.commands.ready();
    // Users are written on the poller's session: wait until the first read has run on it.
    await until('first ZK read', () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(zkSerial) as { n: number }).n === 1);
    await until('first Hikvision pull', () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(hikSerial) as { n: number }).n === 2);
  });

  afterAll(async () => {
    await commands?.stop();
    await gateway?.close();
    await zk?.stop();
    await hik?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes ZK users with their roster names and deletes one; a name the device cannot hold makes the result partial', async () => {
    const command = pushUsers(zkSerial, ['0031', '0032', '0040'], ['77']);
    await commands.publish(command);
    const result = await resultOf(command.commandId);
    expect(result).toMatchObject({ type: 'push-users', deviceSerial: zkSerial, outcome: 'partial', error: { class: 'user-record-rejected', deviceReturnCode: 'name-too-long' } });
    expect(result.error!.message).toMatch(/^1 of 4 users failed: write 0032: name-too-long \(name is 30 bytes/);
    // The device, decoded by the simulator: new uids above the old highest (3), no user 77 any more; the refused
    // 0032 took no uid.
    expect(zk.users.map((u) => [u.uid, u.userId, u.name])).toEqual([
      [4, '0031', 'Asha Rao'],
      [5, '0040', ''],
    ]);
    expect(zk.counters).toMatchObject({ userDeletes: 1, destructiveCommands: 0 });
    // The attendance log is untouched, and the poller's session is the only one ever opened.
    expect(zk.records).toHaveLength(1);
    expect(zk.counters.connections).toBe(1);
  });

  it('writes every active roster user to a Hikvision device when the command names none, and deletes by employeeNo', async () => {
    const command = pushUsers(hikSerial, null, ['900']);
    await commands.publish(command);
    expect(await resultOf(command.commandId)).toMatchObject({ deviceSerial: hikSerial, outcome: 'succeeded', error: null });
    expect([...hik.users.persons.values()].map((p) => [p.employeeNo, p.name, p.userType, p.valid?.enable])).toEqual([
      ['0031', 'Asha Rao', 'normal', true],
      ['0032', '张伟'.repeat(5), 'normal', true],
    ]);
  });

  it('renames an enrolled Hikvision user, and reports a full device with its sub-status', async () => {
    runtime.store.db.prepare("UPDATE reference_employee SET name = 'Asha R. Menon' WHERE code = '0031'").run();
    hik.users.capacity = hik.users.persons.size;
    const command = pushUsers(hikSerial, ['0031', '0050']);
    await commands.publish(command);
    expect(await resultOf(command.commandId)).toMatchObject({ outcome: 'partial', error: { class: 'device-return-code', deviceReturnCode: 'user-num-exceed-limit' } });
    expect(hik.users.persons.get('0031')).toMatchObject({ name: 'Asha R. Menon', valid: expect.objectContaining({ enable: true }) });
    expect(hik.users.persons.has('0050')).toBe(false);
  });

  it('reports the Hikvision event-store fill level like the ZK one: device_state and a capacity event', async () => {
    await until('Hikvision capacity event', () => events(hikSerial).some((e) => e.type === 'capacity'));
    expect(events(hikSerial).find((e) => e.type === 'capacity')).toMatchObject({ level: 'critical', recordsUsed: 3, recordsMax: 3 });
    expect(runtime.pull.health.states.get(hikSerial)).toMatchObject({ recordsUsed: 3, recordsMax: 3, capacityLevel: 'critical' });
  });
});

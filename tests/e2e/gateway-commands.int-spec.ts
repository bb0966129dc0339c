import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { GatewayCommandV1 } from '@attendance/contracts';
import { testInfra, uniqueSuffix, waitFor } from '@attendance/testing';
import { AdmsDevice } from '../../tools/simulators/adms-device';
import { HikvisionDevice } from '../../tools/simulators/hikvision-device';
import { ZkTcpDevice } from '../../tools/simulators/zk-tcp-device';
import type { GatewayRuntime } from '../../services/device-gateway/src/gateway-runtime';
import { GatewayCommandClient, type CommandBody } from './gateway-command-client';
import { startGateway } from './in-process-services';


/**
 * Commands over the real broker: published to edge.gateway.command.v1 as sync-coordinator would, executed by
 * the wired gateway against simulated ZK TCP, Hikvision and ADMS devices, answered on
 * edge.gateway.command-result.v1 with counts. A redelivered command is not run again.
 */
describe('gateway commands over Kafka', () => {
  const suffix = uniqueSuffix();
  const gatewayId = `gw-cmd-${suffix}`;
  const tenantId = `tenant-${suffix}`;
  const zkSerial = `ZKC${suffix}`.slice(0, 20);
  const hikSerial = `HKC${suffix}`.slice(0, 20);
  const admsSerial = `ADC${suffix}`.slice(0, 20);
  let dataDir: string;
  let zk: ZkTcpDevice;
  let hik: HikvisionDevice;
  let adms: AdmsDevice;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let commands: GatewayCommandClient;

  const until = <T>(description: string, condition: () => T) => waitFor(condition, { description, timeoutMs: 60_000 });
  const resultsOf = (commandId: string) => commands.resultsOf(commandId);
  const resultOf = (commandId: string) => commands.resultOf(commandId);
  const command = (body: CommandBody, overrides?: Partial<GatewayCommandV1>) => commands.command(body, overrides);
  const publish = (...list: GatewayCommandV1[]) => commands.publish(...list);

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers;
    zk = await ZkTcpDevice.start({
      serial: zkSerial,
      timeZone: 'UTC',
      records: [
        { uid: 1, userId: '1', verify: 1, state: 0, time: '2024-05-01 08:00:00' },
        { uid: 2, userId: '2', verify: 1, state: 0, time: '2024-05-01 09:00:00' },
        { uid: 3, userId: '3', verify: 1, state: 0, time: '2024-05-02 08:00:00' },
      ],
    });
    hik = new HikvisionDevice({ timeZone: 'UTC', password: 'cmd-pass' });
    const hikUrl = await hik.listen();
    hik.punch('10', { at: new Date('2024-05-01T08:00:00Z') });
    hik.punch('11', { at: new Date('2024-05-01T08:30:00Z') });
    hik.punch('12', { at: new Date('2024-05-01T10:30:00Z') });

    dataDir = mkdtempSync(join(tmpdir(), 'gateway-cmd-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        devices: [
          { serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'UTC' },
          { serial: hikSerial, protocol: 'hikvision', baseUrl: hikUrl, username: 'admin', password: { env: 'HIK_CMD_PASSWORD' }, timeZone: 'UTC' },
          { serial: admsSerial, protocol: 'zk-push2', timeZone: 'Asia/Kolkata' },
        ],
      }),
    );
    commands = await GatewayCommandClient.start(brokers, { tenantId, gatewayId });
    let deviceUrl: string;
    ({ app: gateway, runtime, deviceUrl } = await startGateway({
      KAFKA_BROKERS: brokers.join(','),
      GATEWAY_ID: gatewayId,
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      HIK_CMD_PASSWORD: 'cmd-pass',
      PULL_INTERVAL_S: '3600',
    }));
    adms = new AdmsDevice(admsSerial, deviceUrl, 'Asia/Kolkata');
    await runtime.commands.ready();
    // The first full reads must be stored before backfills are compared with them.
    await until('first ZK read', () => runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(zkSerial) as { n: number }).then(() =>
      until('3 ZK punches', () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(zkSerial) as { n: number }).n === 3),
    );
    await until('3 Hikvision punches', () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(hikSerial) as { n: number }).n === 3);
  });

  afterAll(async () => {
    await commands?.stop();
    await gateway?.close();
    await zk?.stop();
    await hik?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('backfills a ZK TCP window: found counts the window, new only what the gateway did not have', async () => {
    // On the device but never sent as a realtime event: only a re-read can find it.
    zk.records.push({ uid: 4, userId: '4', verify: 1, state: 0, time: '2024-05-01 12:00:00' });
    const backfill = command({ type: 'backfill', args: { deviceSerial: zkSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'operator' } });
    await publish(backfill);
    const result = await resultOf(backfill.commandId);
    expect(result).toMatchObject({ type: 'backfill', gatewayId, deviceSerial: zkSerial, outcome: 'succeeded', counts: { found: 3, new: 1, quarantined: 0 }, error: null });
    const stored = runtime.store.db.prepare("SELECT payload FROM punch_outbox WHERE device_serial = ? AND json_extract(payload, '$.deviceUserId') = '4'").all(zkSerial) as { payload: string }[];
    expect(stored.map((r) => JSON.parse(r.payload) as { source: string })).toEqual([expect.objectContaining({ source: 'backfill', punchedAt: '2024-05-01T12:00:00Z' })]);
  });

  it('counts Hikvision windows on the device (verify-count)', async () => {
    const verify = command({
      type: 'verify-count',
      args: {
        deviceSerial: hikSerial,
        windows: [
          { from: '2024-05-01T08:00:00Z', to: '2024-05-01T09:00:00Z' },
          { from: '2024-05-01T09:00:00Z', to: '2024-05-01T10:00:00Z' },
          { from: '2024-05-01T10:00:00Z', to: '2024-05-01T11:00:00Z' },
        ],
      },
    });
    await publish(verify);
    const result = await resultOf(verify.commandId);
    expect(result).toMatchObject({ outcome: 'succeeded', counts: null });
    expect(result.deviceCounts!.map((c) => c.count)).toEqual([2, 0, 1]);
  });

  it('backfills an ADMS device with DATA QUERY ATTLOG: the punch its push path dropped comes back once', async () => {
    await adms.handshake();
    adms.recordPunch({ pin: '7', localTime: '2024-05-01 10:00:00', status: '0', verify: '1' });
    adms.recordPunch({ pin: '8', localTime: '2024-05-01 11:00:00', status: '0', verify: '1' }, { dropFromPush: true });
    await adms.pushNew();
    const backfill = command({ type: 'backfill', args: { deviceSerial: admsSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'gap-detected' } });
    await publish(backfill);
    await until('the device to run DATA QUERY ATTLOG', async () => {
      await adms.runCommands();
      return adms.commandsRun.some((c) => c.command.startsWith('DATA QUERY ATTLOG'));
    });
    const result = await resultOf(backfill.commandId);
    expect(result).toMatchObject({ outcome: 'succeeded', deviceSerial: admsSerial, counts: { found: 2, new: 1, quarantined: 0 } });
    // 10:00 and 11:00 in Kolkata are 04:30 and 05:30 UTC: the window in device time is the whole local day.
    expect(adms.commandsRun.find((c) => c.command.startsWith('DATA QUERY'))!.command).toBe('DATA QUERY ATTLOG StartTime=2024-05-01 05:30:00\tEndTime=2024-05-02 05:29:59');
  });

  it('asks an ADMS device for its own count (VERIFY SUM ATTLOG)', async () => {
    const verify = command({ type: 'verify-count', args: { deviceSerial: admsSerial, windows: [{ from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }] } });
    await publish(verify);
    await until('the device to run VERIFY SUM', async () => {
      await adms.runCommands();
      return adms.commandsRun.some((c) => c.command.startsWith('VERIFY SUM'));
    });
    expect((await resultOf(verify.commandId)).deviceCounts).toEqual([{ from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z', count: 2 }]);
  });

  it('runs a redelivered command once: one result, one device read', async () => {
    const backfill = command({ type: 'backfill', args: { deviceSerial: hikSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'operator' } });
    const searchesBefore = hik.stats.searches;
    await publish(backfill);
    await resultOf(backfill.commandId);
    const searchesAfterFirst = hik.stats.searches;
    await publish(backfill); // the same commandId again, as a redelivery would bring it
    const marker = command({ type: 'lease-revoke', args: { deviceSerial: hikSerial, leaseId: randomUUID(), fencingToken: 1, reason: 'operator' } });
    await publish(marker); // same key, same partition: its result means the duplicate was consumed before it
    await resultOf(marker.commandId);
    expect(resultsOf(backfill.commandId)).toHaveLength(1);
    expect(resultsOf(backfill.commandId)[0]).toMatchObject({ outcome: 'succeeded', counts: { found: 3, new: 0 } });
    expect(searchesAfterFirst).toBeGreaterThan(searchesBefore);
    expect(hik.stats.searches).toBe(searchesAfterFirst);
  });

  it('sends push-users to an ADMS device as DATA UPDATE/DELETE USERINFO and reports its return codes', async () => {
    const push = command({ type: 'push-users', args: { deviceSerial: admsSerial, upsertDeviceUserIds: ['0031'], deleteDeviceUserIds: ['0032'] } });
    await publish(push);
    await until('the device to run the user commands', async () => {
      await adms.runCommands();
      return adms.commandsRun.filter((c) => c.command.includes('USERINFO')).length === 2;
    });
    expect(adms.commandsRun.filter((c) => c.command.includes('USERINFO')).map((c) => c.command)).toEqual(['DATA UPDATE USERINFO PIN=0031', 'DATA DELETE USERINFO PIN=0032']);
    // The simulated firmware does not implement user writes and answers -1002, as real devices do for unknown commands.
    expect(await resultOf(push.commandId)).toMatchObject({ outcome: 'failed', deviceSerial: admsSerial, error: { class: 'device-return-code', deviceReturnCode: '-1002' } });
  });

  it('stores lease grants with their fencing token and refuses an older token', async () => {
    const grant = command({ type: 'lease-grant', args: { deviceSerial: zkSerial, leaseId: randomUUID(), fencingToken: 7, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const stale = command({ type: 'lease-grant', args: { deviceSerial: zkSerial, leaseId: randomUUID(), fencingToken: 6, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
    await publish(grant, stale);
    expect(await resultOf(grant.commandId)).toMatchObject({ outcome: 'succeeded', fencingToken: 7 });
    expect(await resultOf(stale.commandId)).toMatchObject({ outcome: 'rejected', fencingToken: 7, error: { class: 'stale-fencing-token' } });
    expect(runtime.leases.get(zkSerial)).toMatchObject({ fencingToken: 7, revokedAt: null });
  });

  it('answers expired, unsupported and invalid commands without running them', async () => {
    const expired = command(
      { type: 'backfill', args: { deviceSerial: zkSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'operator' } },
      { issuedAt: new Date(Date.now() - 60_000).toISOString(), deadline: new Date(Date.now() - 30_000).toISOString() },
    );
    // push-users itself works on every protocol but WebSocket (push-users-*.int-spec.ts); a device this gateway does not have is refused.
    const pushUsers = command({ type: 'push-users', args: { deviceSerial: `NOPE${suffix}`.slice(0, 20), upsertDeviceUserIds: ['1'], deleteDeviceUserIds: [] } });
    const unknownType = { ...command({ type: 'reload-roster', args: { full: false } }), type: 'format-device', args: {} } as unknown as GatewayCommandV1;
    const reload = command({ type: 'reload-roster', args: { full: true } });
    const forAnotherGateway = command({ type: 'reload-roster', args: { full: false } }, { gatewayId: `other-${suffix}` });
    await commands.sendRaw([{ key: gatewayId, value: JSON.stringify(unknownType) }]);
    // Sent on this gateway's key, so it shares the partition and is consumed before the commands after it.
    await commands.sendRaw([{ key: gatewayId, value: JSON.stringify(forAnotherGateway) }]);
    await publish(expired, pushUsers, reload);
    expect(await resultOf(expired.commandId)).toMatchObject({ outcome: 'expired', startedAt: null, error: { class: 'deadline-passed' } });
    expect(await resultOf(pushUsers.commandId)).toMatchObject({ outcome: 'rejected', error: { class: 'unknown-device' } });
    expect(await resultOf(unknownType.commandId)).toMatchObject({ outcome: 'rejected', type: 'format-device', error: { class: 'invalid-command' } });
    expect(await resultOf(reload.commandId)).toMatchObject({ outcome: 'rejected', deviceSerial: null, error: { class: 'not-configured' } });
    // Another gateway's command is neither recorded nor answered here.
    expect(runtime.commands.repository.get(forAnotherGateway.commandId)).toBeNull();
    expect(resultsOf(forAnotherGateway.commandId)).toEqual([]);
  });
});

describe('pull leases (LEASES_REQUIRED=true)', () => {
  const suffix = uniqueSuffix();
  const gatewayId = `gw-lease-${suffix}`;
  const tenantId = `tenant-${suffix}`;
  const zkSerial = `ZKL${suffix}`.slice(0, 20);
  let dataDir: string;
  let zk: ZkTcpDevice;
  let gateway: INestApplication;
  let runtime: GatewayRuntime;
  let commands: GatewayCommandClient;
  const until = <T>(description: string, condition: () => T) => waitFor(condition, { description, timeoutMs: 60_000 });
  const resultOf = (commandId: string) => commands.resultOf(commandId);
  const base = () => ({ commandId: randomUUID(), tenantId, siteId: 'site-1', gatewayId, issuedAt: new Date(Date.now() - 1000).toISOString(), deadline: new Date(Date.now() + 120_000).toISOString(), requestedBy: null });
  const storedPunches = () => (runtime.store.db.prepare('SELECT COUNT(*) AS n FROM punch_outbox WHERE device_serial = ?').get(zkSerial) as { n: number }).n;

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers;
    zk = await ZkTcpDevice.start({ serial: zkSerial, timeZone: 'UTC', records: [{ uid: 1, userId: '1', verify: 1, state: 0, time: '2024-05-01 08:00:00' }] });
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-lease-'));
    const file = join(dataDir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ devices: [{ serial: zkSerial, protocol: 'zk-tcp', host: zk.host, port: zk.port, timeZone: 'UTC' }] }));
    commands = await GatewayCommandClient.start(brokers, { tenantId, gatewayId });
    ({ app: gateway, runtime } = await startGateway({
      KAFKA_BROKERS: brokers.join(','),
      GATEWAY_ID: gatewayId,
      TENANT_ID: tenantId,
      SITE_ID: 'site-1',
      SITE_TIME_ZONE: 'UTC',
      GATEWAY_DATA_DIR: dataDir,
      GATEWAY_CONFIG: file,
      LEASES_REQUIRED: 'true',
    }));
    await runtime.commands.ready();
  });

  afterAll(async () => {
    await commands?.stop();
    await gateway?.close();
    await zk?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('pulls a device only while it holds the lease, and refuses device commands without it', async () => {
    const early = { ...base(), type: 'backfill' as const, args: { deviceSerial: zkSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'operator' as const } };
    await commands.publish(early);
    expect(await resultOf(early.commandId)).toMatchObject({ outcome: 'rejected', error: { class: 'no-lease' } });
    expect(zk.counters.connections).toBe(0);

    const leaseId = randomUUID();
    const grant = { ...base(), type: 'lease-grant' as const, args: { deviceSerial: zkSerial, leaseId, fencingToken: 3, expiresAt: new Date(Date.now() + 3_600_000).toISOString() } };
    await commands.publish(grant);
    expect(await resultOf(grant.commandId)).toMatchObject({ outcome: 'succeeded', fencingToken: 3 });
    await until('the leased device to be read', () => storedPunches() === 1);

    const backfill = { ...base(), type: 'backfill' as const, args: { deviceSerial: zkSerial, window: { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' }, reason: 'operator' as const } };
    await commands.publish(backfill);
    expect(await resultOf(backfill.commandId)).toMatchObject({ outcome: 'succeeded', counts: { found: 1, new: 0 }, fencingToken: 3 });

    const revoke = { ...base(), type: 'lease-revoke' as const, args: { deviceSerial: zkSerial, leaseId, fencingToken: 4, reason: 'reassigned' as const } };
    await commands.publish(revoke);
    expect(await resultOf(revoke.commandId)).toMatchObject({ outcome: 'succeeded', fencingToken: 4 });
    await until('the session to be closed after the revoke', () => !runtime.pull.isActive(zkSerial) && zk.openConnections === 0);
    expect(zk.counters.exits).toBeGreaterThanOrEqual(1);
  });
});

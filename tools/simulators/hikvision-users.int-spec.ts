import { readHikEventCapacityMax, readHikEventCount } from '../../services/device-gateway/src/hikvision/acs-event-capacity';
import { DigestHttpClient } from '../../services/device-gateway/src/hikvision/digest-http-client';
import { deleteHikUsers, writeHikUser } from '../../services/device-gateway/src/hikvision/isapi-user-write';
import { HikvisionDevice } from './hikvision-device';

// The gateway's ISAPI user writes and capacity reads against the simulated terminal over real HTTP, every
// request through Digest auth (the simulator checks it independently of the gateway's client).

const devices: HikvisionDevice[] = [];
async function start(): Promise<{ device: HikvisionDevice; client: DigestHttpClient }> {
  const device = new HikvisionDevice({ password: 'users-pw' });
  devices.push(device);
  const url = await device.listen(0);
  return { device, client: new DigestHttpClient({ baseUrl: url, username: 'admin', password: 'users-pw', requestTimeoutMs: 5000 }) };
}

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.close()));
});

describe('ISAPI users and event count against the simulated terminal', () => {
  it('adds, renames and deletes persons with Digest-authenticated requests', async () => {
    const { device, client } = await start();
    expect(await writeHikUser(client, { employeeNo: '0007', name: 'Ana' })).toMatchObject({ ok: true, created: true });
    expect(await writeHikUser(client, { employeeNo: '0007', name: 'Ana Lima' })).toMatchObject({ ok: true, created: false });
    expect(await writeHikUser(client, { employeeNo: '8', name: null })).toMatchObject({ ok: true, created: true });
    expect([...device.users.persons.values()].map((p) => [p.employeeNo, p.name])).toEqual([
      ['0007', 'Ana Lima'],
      ['8', ''],
    ]);
    expect(await deleteHikUsers(client, ['0007', 'absent'])).toEqual([
      { employeeNo: '0007', action: 'delete', ok: true, created: false },
      { employeeNo: 'absent', action: 'delete', ok: true, created: false },
    ]);
    expect([...device.users.persons.keys()]).toEqual(['8']);
    expect(device.users.counters).toMatchObject({ added: 2, modified: 1, deleted: 1, refused: 1 }); // the refusal: 0007 already there
    expect(device.stats.authFailures).toBe(0);
  });

  it('reports the device refusals per user: a name too long, a bad employeeNo, a full device', async () => {
    const { device, client } = await start();
    device.users.nameMaxBytes = 16;
    device.users.capacity = 1;
    expect(await writeHikUser(client, { employeeNo: '1', name: 'Ünïcödé Nämé' })).toMatchObject({ ok: false, code: 'name-length-exceed-limit' }); // 17 bytes
    expect(await writeHikUser(client, { employeeNo: 'x'.repeat(33), name: 'A' })).toMatchObject({ ok: false, code: 'message-parameters-lack' });
    expect(await writeHikUser(client, { employeeNo: '1', name: 'A' })).toMatchObject({ ok: true });
    expect(await writeHikUser(client, { employeeNo: '2', name: 'B' })).toMatchObject({ ok: false, code: 'user-num-exceed-limit', detail: 'Invalid Operation: userNumExceedLimit' });
    expect(device.users.persons.size).toBe(1);
  });

  it('counts every event in the store and reads its size from the capabilities', async () => {
    const { device, client } = await start();
    device.eventCapacity = 50_000;
    device.punch('1');
    device.punch('2');
    device.addEvent({ major: 5, minor: 21 });
    expect(await readHikEventCount(client)).toBe(3);
    expect(await readHikEventCapacityMax(client)).toBe(50_000);
  });
});

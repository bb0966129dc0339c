/**
 * A gateway process that dies by SIGKILL in the middle of an approval's replay: it approves `serial` and is
 * killed from inside the replay's open transaction when the replay records its `killAtAudit`-th audit event
 * (nothing is rolled back or flushed: the process is gone). Run by an integration test through
 * tools/build/run-ts.mjs: replay-crash-child.ts <database> <serial> <killAtAudit> <config JSON>.
 */
import type { GatewayConfig } from '../../config/gateway.config';
import type { DeviceEventInput, DeviceEventRecorder } from '../../events/device-event-recorder';
import { SqliteDeviceEventRecorder } from '../../events/sqlite-device-event-recorder';
import { EdgeStore } from '../../store/edge-store';
import { DeviceApprovalService } from '../device-approval.service';

const [databasePath, serial, killAt, configJson] = process.argv.slice(2);
if (!databasePath || !serial || !killAt || !configJson) throw new Error('usage: replay-crash-child.ts <database> <serial> <killAtAudit> <config JSON>');
const config = { ...(JSON.parse(configJson) as Record<string, unknown>), databasePath, devices: new Map() } as unknown as GatewayConfig;
const store = EdgeStore.open(databasePath);
const durable = new SqliteDeviceEventRecorder(store.deviceEvents, config);
let audits = 0;
const events: DeviceEventRecorder = {
  record(event: DeviceEventInput): void {
    durable.record(event);
    if (event.type === 'audit' && ++audits === Number(killAt)) process.kill(process.pid, 'SIGKILL');
  },
};
new DeviceApprovalService(store, config, { events }).approve(serial);
// Only reached when the replay had fewer audits than killAt: the test then fails on the exit code.
store.close();

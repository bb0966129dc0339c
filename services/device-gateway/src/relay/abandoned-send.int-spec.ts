import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createRootLogger } from '@attendance/observability';
import { waitFor } from '@attendance/testing';
import { buildCommandResult } from '../commands/command-result';
import { CommandResultRelay } from '../commands/command-result-relay';
import { GatewayCommandRepository } from '../commands/gateway-command.repository';
import { DeviceEventRelay } from '../events/device-event-relay';
import { SqliteDeviceEventRecorder } from '../events/sqlite-device-event-recorder';
import { GatewayMetrics } from '../health/gateway-metrics';
import { EdgeStore } from '../store/edge-store';
import type { Uplink } from './uplink';

const logger = createRootLogger({ service: 'device-gateway-test', version: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A publish that settles only when the test says so: kafkajs retrying against an unreachable broker. */
class HeldPublishes {
  readonly calls: { resolve: () => void; reject: (error: Error) => void }[] = [];
  publish = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      this.calls.push({ resolve, reject });
    });
}

/**
 * Real SQLite on disk. A relay stopped while its send is held abandons it after the grace: stop() resolves, and
 * when the broker's ack arrives afterwards nothing is marked (no write after stop(), which is what lets the
 * runtime close the store next); the rows stay unsent for the next start.
 */
describe('relays stopped with a send in flight', () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'abandoned-send-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
  });

  afterEach(() => {
    if (store.db.open) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('device events: the late ack marks nothing, and the store closes without a writer behind it', async () => {
    const recorder = new SqliteDeviceEventRecorder(store.deviceEvents, { tenantId: 't-stop', siteId: 'site-1', gatewayId: 'gw-1' }, () => undefined);
    recorder.record({ type: 'online', deviceSerial: 'DEV1', protocol: 'zk-push2', remoteAddress: '10.0.0.7' });
    recorder.record({ type: 'offline', deviceSerial: 'DEV1', lastContactAt: null, reason: 'contact-timeout', occurredAt: '2026-01-01T00:00:00.000Z' });
    const held = new HeldPublishes();
    const uplink = { publish: held.publish } as unknown as Uplink;
    const relay = new DeviceEventRelay(store.deviceEvents, uplink, new GatewayMetrics(new Registry(), store), logger, { batchSize: 100, idlePollMs: 20 });
    relay.start();
    await waitFor(() => held.calls.length === 1, { description: 'the relay sending both events' });

    await relay.stop(50);
    held.calls[0]!.resolve();
    await new Promise((resolve) => setTimeout(resolve, 50));

    const rows = store.db.prepare('SELECT published_at FROM device_event_outbox ORDER BY id').all() as { published_at: string | null }[];
    expect(rows).toEqual([{ published_at: null }, { published_at: null }]);
    expect(held.calls).toHaveLength(1);
    store.close();
  });

  it('command results: the late ack marks nothing; a relay started again on the same rows publishes and marks them', async () => {
    const repository = new GatewayCommandRepository(store.db);
    const now = new Date().toISOString();
    const command = { commandId: randomUUID(), type: 'backfill', tenantId: 't-1', siteId: 's-1', gatewayId: 'gw-1' };
    repository.receive({ commandId: command.commandId, type: command.type, deviceSerial: 'D1', payload: JSON.stringify(command), deadline: now }, now);
    store.transaction(() =>
      repository.complete(command.commandId, buildCommandResult(command, { outcome: 'succeeded', deviceSerial: 'D1', counts: { found: 1, new: 1, quarantined: 0 } }, { startedAt: now, completedAt: now }), now),
    );
    const held = new HeldPublishes();
    const relay = new CommandResultRelay(repository, { publish: held.publish }, logger, { idlePollMs: 20 });
    relay.start();
    await waitFor(() => held.calls.length === 1, { description: 'the relay sending the result' });

    await relay.stop(50);
    held.calls[0]!.resolve();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(repository.resultOf(command.commandId)!.publishedAt).toBeNull();
    expect(repository.unpublishedResults(10)).toHaveLength(1);

    // what the next start does with the rows left unsent
    const next = new CommandResultRelay(repository, { publish: () => Promise.resolve() }, logger, { idlePollMs: 20 });
    next.start();
    await waitFor(() => repository.unpublishedResults(10).length === 0, { description: 'the result re-sent and marked' });
    await next.stop();
    expect(repository.resultOf(command.commandId)!.publishedAt).not.toBeNull();
  });
});

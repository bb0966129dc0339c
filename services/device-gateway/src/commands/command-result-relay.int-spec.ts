import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootLogger } from '@attendance/observability';
import { waitFor } from '@attendance/testing';
import type { GatewayCommandResultV1 } from '@attendance/contracts';
import { EdgeStore } from '../store/edge-store';
import { buildCommandResult } from './command-result';
import { GatewayCommandExecutor, type CommandExecutorDeps } from './command-executor';
import { CommandResultRelay, type ResultPublisher } from './command-result-relay';
import { GatewayCommandRepository } from './gateway-command.repository';

// Real SQLite on disk; the publisher is an uplink that is down for a while (the breaker's view of Kafka).
describe(CommandResultRelay.name, () => {
  let dir: string;
  let store: EdgeStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-results-'));
    store = EdgeStore.open(join(dir, 'gateway.sqlite'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const envelope = () => ({ commandId: randomUUID(), type: 'backfill', tenantId: 't-1', siteId: 's-1', gatewayId: 'gw-1' });

  it('keeps results while the uplink is down and publishes each once it is back', async () => {
    const repository = new GatewayCommandRepository(store.db);
    const now = new Date().toISOString();
    const commands = [envelope(), envelope()];
    for (const c of commands) {
      repository.receive({ commandId: c.commandId, type: c.type, deviceSerial: 'D1', payload: JSON.stringify(c), deadline: now }, now);
      store.transaction(() => repository.complete(c.commandId, buildCommandResult(c, { outcome: 'succeeded', deviceSerial: 'D1', counts: { found: 1, new: 1, quarantined: 0 } }, { startedAt: now, completedAt: now }), now));
    }
    const published: GatewayCommandResultV1[] = [];
    let failuresLeft = 3;
    const publisher: ResultPublisher = {
      publish: async (_contract, values) => {
        if (failuresLeft-- > 0) throw new Error('uplink down');
        published.push(...values);
      },
    };
    const relay = new CommandResultRelay(repository, publisher, createRootLogger({ service: 'test', version: 'test', level: 'silent' }), { idlePollMs: 20, maxBackoffMs: 50 });
    relay.start();
    await waitFor(() => published.length === 2 && repository.unpublishedResults(10).length === 0, { description: 'both results published', timeoutMs: 20_000 });
    await relay.stop();
    expect(failuresLeft).toBeLessThan(0);
    expect(published.map((r) => r.commandId).sort()).toEqual(commands.map((c) => c.commandId).sort());
    expect(repository.resultOf(commands[0]!.commandId)!.publishedAt).not.toBeNull();
  });

  it('reports a command that was running when the gateway stopped as interrupted, and never runs it again', async () => {
    const repository = new GatewayCommandRepository(store.db);
    const c = { ...envelope(), type: 'backfill', issuedAt: new Date(Date.now() - 1000).toISOString(), deadline: new Date(Date.now() + 60_000).toISOString() };
    const now = new Date().toISOString();
    repository.receive({ commandId: c.commandId, type: c.type, deviceSerial: 'D1', payload: JSON.stringify(c), deadline: c.deadline }, now);
    expect(repository.markRunning(c.commandId, now)).toBe(true);
    const executor = new GatewayCommandExecutor({
      repository,
      store,
      onResult: () => undefined,
      logger: createRootLogger({ service: 'test', version: 'test', level: 'silent' }),
      idlePollMs: 20,
    } as unknown as CommandExecutorDeps);
    executor.start();
    await executor.stop();
    expect(repository.get(c.commandId)!.status).toBe('done');
    expect(repository.resultOf(c.commandId)!.result).toMatchObject({ outcome: 'failed', startedAt: now, error: { class: 'interrupted' } });
  });

  it('recognises a redelivered commandId', () => {
    const repository = new GatewayCommandRepository(store.db);
    const c = envelope();
    const now = new Date().toISOString();
    expect(repository.receive({ commandId: c.commandId, type: c.type, deviceSerial: null, payload: '{}', deadline: now }, now)).toBe(true);
    expect(repository.receive({ commandId: c.commandId, type: c.type, deviceSerial: null, payload: '{}', deadline: now }, now)).toBe(false);
  });
});

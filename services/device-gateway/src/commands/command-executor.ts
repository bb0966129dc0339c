import {
  GatewayCommandEnvelopeSchema,
  GatewayCommandV1Schema,
  type GatewayCommandEnvelope,
  type GatewayCommandOf,
  type GatewayCommandV1,
} from '@attendance/contracts';
import type { Logger } from '@attendance/observability';
import type { GatewayConfig } from '../config/gateway.config';
import type { PulledDevice, WindowReadOutcome } from '../pull/pulled-device';
import type { EdgeStore } from '../store/edge-store';
import { AdmsCommandFailedError, type AdmsDeviceCommands } from './adms-device-commands';
import { buildCommandResult, CommandRejectedError, type CommandOutput } from './command-result';
import { canPushUsers } from './device-user-push';
import type { GatewayCommandRepository, StoredCommand } from './gateway-command.repository';
import type { LeaseBook } from './lease-book';

export interface CommandExecutorDeps {
  config: GatewayConfig;
  store: EdgeStore;
  repository: GatewayCommandRepository;
  leases: LeaseBook;
  pull: { device(serial: string): PulledDevice | undefined; isActive(serial: string): boolean };
  adms: AdmsDeviceCommands;
  /** The reference-data pull (reload-roster) and its employee cache (names for push-users), when configured. */
  reference: { refresh(options: { full: boolean }): Promise<{ ok: true; changes: number } | { ok: false; error: string }>; configured: boolean } | null;
  roster: () => { code: string; name: string; status: string }[];
  /** Wakes the result relay after a result is committed. */
  onResult: () => void;
  logger: Logger;
  /** Idle poll for queued commands (commands are also signalled by `notify`). Default 1 s. */
  idlePollMs?: number;
}

class DeadlineExceededError extends Error {
  constructor(deadline: string) {
    super(`command deadline ${deadline} passed before the device answered`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Runs gateway commands at most once each. `receive` (called by the consumer for every delivered message)
 * records the command by commandId in SQLite, or recognises a redelivery and does nothing; invalid, expired and
 * lease commands are answered at once, in the same transaction. Device commands (backfill, verify-count,
 * push-users, reload-roster) queue and run one at a time, oldest first, bounded by their deadline. A command
 * found `running` at start-up was interrupted by a crash: it is reported `failed`, never run twice.
 */
export class GatewayCommandExecutor {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(private readonly deps: CommandExecutorDeps) {}

  /** Handles one delivered command; durable when it returns. Commands for other gateways are ignored. */
  receive(value: unknown, now = new Date()): 'ignored' | 'duplicate' | 'answered' | 'queued' {
    const envelope = GatewayCommandEnvelopeSchema.safeParse(value);
    if (!envelope.success || envelope.data.gatewayId !== this.deps.config.gatewayId) return 'ignored';
    const env = envelope.data;
    const parsed = GatewayCommandV1Schema.safeParse(value);
    const deviceSerial = parsed.success && 'deviceSerial' in parsed.data.args ? parsed.data.args.deviceSerial : null;
    const at = now.toISOString();
    const outcome = this.deps.store.transaction((): 'duplicate' | 'answered' | 'queued' => {
      const fresh = this.deps.repository.receive({ commandId: env.commandId, type: env.type, deviceSerial, payload: JSON.stringify(value), deadline: env.deadline }, at);
      if (!fresh) return 'duplicate';
      const answer = (output: CommandOutput, startedAt: string | null = null) => {
        this.deps.repository.complete(env.commandId, buildCommandResult(env, output, { startedAt, completedAt: at }), at);
        return 'answered' as const;
      };
      if (env.tenantId !== this.deps.config.tenantId) {
        return answer({ outcome: 'rejected', deviceSerial, error: { class: 'wrong-tenant', message: `this gateway serves tenant ${this.deps.config.tenantId}` } });
      }
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        return answer({ outcome: 'rejected', deviceSerial, error: { class: 'invalid-command', message: `${env.type}: ${detail}` } });
      }
      if (Date.parse(env.deadline) <= now.getTime()) return answer({ outcome: 'expired', deviceSerial, error: { class: 'deadline-passed', message: `received after its deadline ${env.deadline}` } });
      const command = parsed.data;
      if (command.type === 'lease-grant' || command.type === 'lease-revoke') return answer(this.lease(command, now), at);
      return 'queued';
    });
    if (outcome === 'answered') this.deps.onResult();
    if (outcome === 'queued') this.wake?.();
    if (outcome === 'duplicate') this.deps.logger.info({ commandId: env.commandId, type: env.type }, 'command redelivered; already received, not run again');
    return outcome;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const at = new Date().toISOString();
    for (const interrupted of this.deps.repository.running()) {
      this.finish(interrupted, { outcome: 'failed', deviceSerial: interrupted.deviceSerial, error: { class: 'interrupted', message: 'the gateway stopped while the command ran; it is not run again' } }, interrupted.startedAt, at);
    }
    this.loop = this.run();
  }

  /**
   * Stops taking commands. A command still waiting on a device gets `graceMs`; if it is still running after
   * that, its row stays `running` and the next start reports it `interrupted` (never re-run).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.running = false;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const next = this.deps.repository.nextQueued();
      if (!next) {
        await this.sleep(this.deps.idlePollMs ?? 1000);
        continue;
      }
      try {
        await this.execute(next);
      } catch (error) {
        // Only the store can fail here (closed at shutdown); the command stays `running` and is reported
        // interrupted at the next start.
        this.deps.logger.error({ err: error, commandId: next.commandId }, 'could not record a command result');
        if (!this.running) return;
        await this.sleep(this.deps.idlePollMs ?? 1000);
      }
    }
  }

  private async execute(stored: StoredCommand): Promise<void> {
    const now = new Date();
    const command = GatewayCommandV1Schema.parse(JSON.parse(stored.payload));
    const deviceSerial = stored.deviceSerial;
    if (Date.parse(command.deadline) <= now.getTime()) {
      this.finish(stored, { outcome: 'expired', deviceSerial, error: { class: 'deadline-passed', message: `not started before its deadline ${command.deadline}` } }, null, now.toISOString());
      return;
    }
    const startedAt = now.toISOString();
    if (!this.deps.repository.markRunning(stored.commandId, startedAt)) return;
    let output: CommandOutput;
    try {
      output = await withDeadline(this.dispatch(command), command.deadline);
    } catch (error) {
      output = failure(error, deviceSerial);
    }
    // A pulled device's results carry the lease they were produced under, so the coordinator can fence off
    // results of a gateway that lost the lease in the meantime.
    const lease = deviceSerial !== null && output.fencingToken === undefined ? this.deps.leases.get(deviceSerial) : null;
    if (lease && lease.revokedAt === null) output = { ...output, fencingToken: lease.fencingToken };
    if (!this.running && output.outcome === 'failed') return; // cut short by shutdown: reported as interrupted
    this.finish(stored, output, startedAt, new Date().toISOString());
    this.deps.logger.info({ commandId: command.commandId, type: command.type, deviceSerial, outcome: output.outcome, counts: output.counts, error: output.error }, 'gateway command done');
  }

  private finish(stored: StoredCommand, output: CommandOutput, startedAt: string | null, completedAt: string): void {
    const envelope = GatewayCommandEnvelopeSchema.parse(JSON.parse(stored.payload)) as GatewayCommandEnvelope;
    this.deps.store.transaction(() => this.deps.repository.complete(stored.commandId, buildCommandResult(envelope, output, { startedAt, completedAt }), completedAt));
    this.deps.onResult();
  }

  private dispatch(command: GatewayCommandV1): Promise<CommandOutput> {
    switch (command.type) {
      case 'backfill':
        return this.backfill(command);
      case 'verify-count':
        return this.verifyCount(command);
      case 'push-users':
        return this.pushUsers(command);
      case 'reload-roster':
        return this.reloadRoster(command);
      case 'lease-grant':
      case 'lease-revoke':
        return Promise.resolve(this.lease(command, new Date()));
    }
  }

  private async backfill(command: GatewayCommandOf<'backfill'>): Promise<CommandOutput> {
    const { deviceSerial, window } = command.args;
    const read: WindowReadOutcome = await this.onDevice(
      deviceSerial,
      (device) => this.deps.adms.backfill(deviceSerial, device.timeZone, window, new Date(command.deadline)),
      (pulled) => pulled.readWindow(window),
    );
    return {
      outcome: read.complete ? 'succeeded' : 'partial',
      deviceSerial,
      counts: { found: read.found, new: read.new, quarantined: read.quarantined },
      error: read.complete ? null : { class: 'incomplete-read', message: read.incompleteReasons.join('; ') || 'the device answer was cut short' },
    };
  }

  private async verifyCount(command: GatewayCommandOf<'verify-count'>): Promise<CommandOutput> {
    const { deviceSerial, windows } = command.args;
    const counts = await this.onDevice(
      deviceSerial,
      (device) => this.deps.adms.countWindows(deviceSerial, device.timeZone, windows, new Date(command.deadline)),
      (pulled) => pulled.countWindows(windows),
    );
    return { outcome: 'succeeded', deviceSerial, deviceCounts: windows.map((w, i) => ({ from: w.from, to: w.to, count: counts[i]! })) };
  }

  /**
   * push-users, routed by protocol: ADMS devices through their getrequest queue (DATA UPDATE/DELETE USERINFO),
   * ZK TCP devices by CMD_USER_WRQ / CMD_DELETE_USER on the poller's session, Hikvision devices by ISAPI
   * UserInfo Record/Modify/Delete. Names come from the roster cache. Every user is tried; the result is
   * `succeeded`, `partial` (some failed) or `failed` (all failed), the first failure's code in the error.
   */
  private async pushUsers(command: GatewayCommandOf<'push-users'>): Promise<CommandOutput> {
    const { deviceSerial, upsertDeviceUserIds, deleteDeviceUserIds } = command.args;
    const device = this.configured(deviceSerial);
    if (device.protocol === 'ws') throw new CommandRejectedError('unsupported-command', 'push-users: WebSocket devices take no user writes');
    const roster = this.deps.roster();
    const names = new Map(roster.map((e) => [e.code, e.name]));
    if (upsertDeviceUserIds === null && roster.length === 0) {
      throw new CommandRejectedError('roster-empty', 'push-users for every assigned user needs the reference cache, which holds no employees');
    }
    const userIds = upsertDeviceUserIds ?? roster.filter((e) => e.status === 'active').map((e) => e.code);
    if (device.protocol === 'zk-push2') {
      const upserts = userIds.map((pin) => ({ pin, name: names.get(pin) ?? null }));
      const { sent, failed } = await this.deps.adms.pushUsers(deviceSerial, upserts, deleteDeviceUserIds, new Date(command.deadline));
      if (failed.length === 0) return { outcome: 'succeeded', deviceSerial };
      const first = failed[0]!;
      return {
        outcome: failed.length === sent ? 'failed' : 'partial',
        deviceSerial,
        error: { class: 'device-return-code', message: `${failed.length} of ${sent} user commands failed, first: ${first.command.split('\t')[0]} Return=${first.returnCode}`, deviceReturnCode: String(first.returnCode) },
      };
    }
    const runner = this.deps.pull.device(deviceSerial);
    if (!runner || !canPushUsers(runner)) throw new CommandRejectedError('unsupported-command', `push-users: ${device.protocol} device ${deviceSerial} has no user write`);
    if (!this.deps.pull.isActive(deviceSerial)) throw new CommandRejectedError('no-lease', `this gateway does not hold the pull lease of ${deviceSerial}`);
    const { sent, failed } = await runner.pushUsers({ upserts: userIds.map((userId) => ({ userId, name: names.get(userId) ?? null })), deletes: deleteDeviceUserIds });
    if (failed.length === 0) return { outcome: 'succeeded', deviceSerial };
    const first = failed[0]!;
    const listed = failed.slice(0, 5).map((f) => `${f.action} ${f.userId}: ${f.code} (${f.detail})`).join('; ');
    return {
      outcome: failed.length === sent ? 'failed' : 'partial',
      deviceSerial,
      error: {
        class: first.source === 'device' ? 'device-return-code' : 'user-record-rejected',
        message: `${failed.length} of ${sent} users failed: ${listed}${failed.length > 5 ? '; ...' : ''}`,
        deviceReturnCode: first.code.slice(0, 32),
      },
    };
  }

  private async reloadRoster(command: GatewayCommandOf<'reload-roster'>): Promise<CommandOutput> {
    const reference = this.deps.reference;
    if (!reference || !reference.configured) throw new CommandRejectedError('not-configured', 'reference pull is not configured on this gateway (SYNC_COORDINATOR_URL)');
    // full: everything from cursor 0, and what the cloud no longer has is dropped (ReferenceSync.reloadAll)
    const result = await reference.refresh({ full: command.args.full });
    if (!result.ok) return { outcome: 'failed', deviceSerial: null, error: { class: 'reference-pull-failed', message: result.error } };
    return { outcome: 'succeeded', deviceSerial: null };
  }

  private lease(command: GatewayCommandOf<'lease-grant'> | GatewayCommandOf<'lease-revoke'>, now: Date): CommandOutput {
    const { deviceSerial, fencingToken } = command.args;
    const device = this.deps.config.devices.get(deviceSerial);
    if (!device || (device.protocol !== 'zk-tcp' && device.protocol !== 'hikvision')) {
      return { outcome: 'rejected', deviceSerial, error: { class: 'not-a-pull-device', message: `${deviceSerial} is not a ZK TCP or Hikvision device of this gateway` } };
    }
    const change =
      command.type === 'lease-grant'
        ? this.deps.leases.grant({ serial: deviceSerial, leaseId: command.args.leaseId, fencingToken, expiresAt: command.args.expiresAt }, now)
        : this.deps.leases.revoke({ serial: deviceSerial, fencingToken }, now);
    if (!change.ok) {
      return {
        outcome: 'rejected',
        deviceSerial,
        fencingToken: change.held.fencingToken,
        error: { class: 'stale-fencing-token', message: `fencing token ${fencingToken} is older than the held ${change.held.fencingToken}` },
      };
    }
    return { outcome: 'succeeded', deviceSerial, fencingToken: change.lease?.fencingToken ?? fencingToken };
  }

  private configured(serial: string) {
    const device = this.deps.config.devices.get(serial);
    if (!device) throw new CommandRejectedError('unknown-device', `${serial} is not configured on this gateway`);
    return device;
  }

  private onDevice<T>(serial: string, adms: (device: { timeZone: string }) => Promise<T>, pulled: (device: PulledDevice) => Promise<T>): Promise<T> {
    const device = this.configured(serial);
    if (device.protocol === 'zk-push2') return adms(device);
    const runner = this.deps.pull.device(serial);
    if (!runner) throw new CommandRejectedError('unsupported-protocol', `${device.protocol} devices have no backfill or count`);
    if (!this.deps.pull.isActive(serial)) throw new CommandRejectedError('no-lease', `this gateway does not hold the pull lease of ${serial}`);
    return pulled(runner);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}

function withDeadline<T>(work: Promise<T>, deadline: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError(deadline)), Math.max(0, Date.parse(deadline) - Date.now()));
  });
  // A device read that outlives the deadline still stores what it read; only the report is cut short.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

function failure(error: unknown, deviceSerial: string | null): CommandOutput {
  if (error instanceof CommandRejectedError) return { outcome: 'rejected', deviceSerial, error: { class: error.errorClass, message: error.message } };
  const e = error as Error & { code?: string };
  if (error instanceof AdmsCommandFailedError) {
    return { outcome: 'failed', deviceSerial, error: { class: 'device-return-code', message: e.message, deviceReturnCode: String(error.returnCode) } };
  }
  const byName: Record<string, string> = {
    DeadlineExceededError: 'deadline-exceeded',
    AdmsCommandExpiredError: 'device-timeout',
    AdmsCommandTimeoutError: 'device-timeout',
    DigestAuthError: 'device-auth-failed',
    AcsEventSearchError: 'device-error',
    RequestTimeoutError: 'device-timeout',
  };
  const errorClass = byName[e.name] ?? (e.name === 'ZkError' && e.code ? `device-${e.code}` : 'device-error');
  return { outcome: 'failed', deviceSerial, error: { class: errorClass, message: e.message ?? String(error) } };
}

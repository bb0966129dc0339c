import { GatewayCommandResultV1Schema, type CommandOutcome, type GatewayCommandEnvelope, type GatewayCommandResultV1 } from '@attendance/contracts';

/** What a handler reports; the executor adds the ids and times. */
export interface CommandOutput {
  outcome: CommandOutcome;
  deviceSerial: string | null;
  counts?: GatewayCommandResultV1['counts'];
  deviceCounts?: GatewayCommandResultV1['deviceCounts'];
  error?: { class: string; message: string; deviceReturnCode?: string | null } | null;
  /** lease-grant / lease-revoke: the fencing token the gateway holds after the command. */
  fencingToken?: number | null;
}

/** Thrown by a handler for a command it will not attempt (reported as `rejected`). */
export class CommandRejectedError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandRejectedError';
  }
}

export function buildCommandResult(
  command: Pick<GatewayCommandEnvelope, 'commandId' | 'type' | 'tenantId' | 'siteId' | 'gatewayId'>,
  output: CommandOutput,
  times: { startedAt: string | null; completedAt: string },
): GatewayCommandResultV1 {
  const error = output.error
    ? { class: toCode(output.error.class), message: (output.error.message || output.error.class).slice(0, 2000), deviceReturnCode: output.error.deviceReturnCode ?? null }
    : null;
  const candidate = {
    commandId: command.commandId,
    type: command.type.slice(0, 64),
    tenantId: command.tenantId,
    siteId: command.siteId,
    gatewayId: command.gatewayId,
    deviceSerial: output.deviceSerial,
    outcome: output.outcome,
    startedAt: times.startedAt,
    completedAt: times.completedAt,
    counts: output.counts ?? null,
    deviceCounts: output.deviceCounts ?? null,
    error: output.outcome === 'succeeded' ? error : (error ?? { class: 'unknown', message: 'no detail', deviceReturnCode: null }),
    ...(output.fencingToken !== undefined ? { fencingToken: output.fencingToken } : {}),
  };
  return GatewayCommandResultV1Schema.parse(candidate);
}

function toCode(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 64) || 'error';
}

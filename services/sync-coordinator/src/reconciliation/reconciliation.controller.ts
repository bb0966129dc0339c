import { Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, UseGuards } from '@nestjs/common';
import { DeviceSerialSchema, UuidSchema } from '@attendance/contracts';
import { parseOrBadRequest } from '@attendance/http-api';
import { AdminApiKeyGuard, type AdminRequest } from '../auth/admin-api-key.guard';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { ReconciliationService, type RunReport } from './reconciliation.service';
import { repullRequestSchema } from './repull.schema';

/** Operator re-pulls and the report of any reconciliation run, scoped to the key's tenant. */
@Controller('api/v1/admin')
@UseGuards(AdminApiKeyGuard)
export class ReconciliationController {
  private readonly repullSchema;

  constructor(
    @Inject(SYNC_CONFIG) config: SyncCoordinatorConfig,
    private readonly reconciliation: ReconciliationService,
  ) {
    this.repullSchema = repullRequestSchema(config.SYNC_REPULL_MAX_DAYS);
  }

  /** "Re-pull device X for [from, to)": answers at once with the run id; the report fills in as results arrive. */
  @Post('devices/:serial/repull')
  @HttpCode(202)
  async repull(@Req() request: AdminRequest, @Param('serial') rawSerial: string, @Body() body: unknown): Promise<{ runId: string; status: 'running' }> {
    const serial = parseOrBadRequest(DeviceSerialSchema, rawSerial, 'device serial');
    const { from, to } = parseOrBadRequest(this.repullSchema, body, 'repull request');
    const admin = request.admin!;
    const outcome = await this.reconciliation.startRepull(admin.tenantId, serial, { from: new Date(from), to: new Date(to) }, `api-key:${admin.keyId}`);
    if ('problem' in outcome) {
      if (outcome.problem === 'unknown-device') throw new NotFoundException(`device ${serial} is not known`);
      throw new ConflictException(`no gateway reaches device ${serial} now (no lease, no recent heartbeat, no expected gateway)`);
    }
    return { runId: outcome.runId, status: 'running' };
  }

  @Get('devices/:serial/reconciliation-runs')
  async runsOfDevice(@Req() request: AdminRequest, @Param('serial') rawSerial: string): Promise<{ items: RunReport[] }> {
    const serial = parseOrBadRequest(DeviceSerialSchema, rawSerial, 'device serial');
    return { items: await this.reconciliation.recentRuns(request.admin!.tenantId, serial) };
  }

  @Get('reconciliation-runs/:runId')
  async run(@Req() request: AdminRequest, @Param('runId') rawRunId: string): Promise<RunReport> {
    const runId = parseOrBadRequest(UuidSchema, rawRunId, 'run id');
    const report = await this.reconciliation.report(request.admin!.tenantId, runId);
    if (!report) throw new NotFoundException(`run ${runId} not found`);
    return report;
  }
}

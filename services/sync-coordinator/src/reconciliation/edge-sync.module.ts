import { Module } from '@nestjs/common';
import { CompletenessController } from '../completeness/completeness.controller';
import { CompletenessService } from '../completeness/completeness.service';
import { AdminApiKeyGuard } from '../auth/admin-api-key.guard';
import { AcceptedPunchIntake } from '../kafka/accepted-punch-intake';
import { CommandResultIntake } from '../kafka/command-result-intake';
import { GatewayCommands } from '../kafka/gateway-commands';
import { HeartbeatIntake } from '../kafka/heartbeat-intake';
import { LeaseManager } from '../leases/lease-manager';
import { LeasesController } from '../leases/leases.controller';
import { EdgeSyncMetrics } from './edge-sync-metrics';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationScheduler } from './reconciliation-scheduler';
import { ReconciliationService } from './reconciliation.service';

/**
 * Edge sync control: hourly accepted counts, scheduled reconciliation and operator re-pulls, completeness
 * watermarks, and pull leases. Uses the global SyncInfrastructureModule (config, Postgres, Kafka).
 */
@Module({
  controllers: [ReconciliationController, CompletenessController, LeasesController],
  providers: [
    AdminApiKeyGuard,
    EdgeSyncMetrics,
    GatewayCommands,
    CompletenessService,
    ReconciliationService,
    ReconciliationScheduler,
    LeaseManager,
    AcceptedPunchIntake,
    HeartbeatIntake,
    CommandResultIntake,
  ],
})
export class EdgeSyncModule {}

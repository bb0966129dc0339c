import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@attendance/observability';
import type { SyncCoordinatorConfig } from './config/sync-coordinator.config';
import { SyncInfrastructureModule } from './sync-infrastructure.module';

/** sync-coordinator: the control plane of edge sync (issue 5: directory, reconciliation, leases, pulls). */
@Module({})
export class AppModule {
  static register(config: SyncCoordinatorConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: { name: 'sync-coordinator', version: config.SERVICE_VERSION }, logger }),
        SyncInfrastructureModule.register(config),
      ],
    };
  }
}

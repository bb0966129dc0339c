import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@attendance/observability';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from './config/sync-coordinator.config';
import { DependencyHealth } from './health/dependency-health';

/** sync-coordinator: the control plane of edge sync (issue 5: directory, reconciliation, leases, pulls). */
@Module({})
export class AppModule {
  static register(config: SyncCoordinatorConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forRoot({ service: { name: 'sync-coordinator', version: config.SERVICE_VERSION }, logger })],
      providers: [{ provide: SYNC_CONFIG, useValue: config }, DependencyHealth],
    };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';
import { ApiDocsModule, ObservabilityModule, type Logger } from '@attendance/observability';
import { buildSyncCoordinatorOpenApi } from './api/openapi-document';
import type { SyncCoordinatorConfig } from './config/sync-coordinator.config';
import { DirectoryModule } from './directory/directory.module';
import { MobileSyncModule } from './mobile-sync/mobile-sync.module';
import { EdgeSyncModule } from './reconciliation/edge-sync.module';
import { ReferencePullModule } from './reference-pull/reference-pull.module';
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
        ApiDocsModule.forDocument(buildSyncCoordinatorOpenApi(config)),
        DirectoryModule,
        ReferencePullModule,
        MobileSyncModule,
        EdgeSyncModule,
      ],
    };
  }
}

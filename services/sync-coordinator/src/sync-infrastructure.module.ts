import { type DynamicModule, Global, Module } from '@nestjs/common';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from './config/sync-coordinator.config';
import { SyncKafka } from './kafka/sync-kafka';
import { SyncDatabase } from './persistence/sync-database';

/**
 * What every feature module of sync-coordinator injects: the parsed config (SYNC_CONFIG), the Postgres
 * connection (SyncDatabase) and the Kafka client and producer (SyncKafka). Global, so feature modules need
 * not import it.
 */
@Global()
@Module({})
export class SyncInfrastructureModule {
  static register(config: SyncCoordinatorConfig): DynamicModule {
    const providers = [{ provide: SYNC_CONFIG, useValue: config }, SyncDatabase, SyncKafka];
    return { module: SyncInfrastructureModule, providers, exports: [SYNC_CONFIG, SyncDatabase, SyncKafka] };
  }
}

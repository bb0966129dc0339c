import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@attendance/observability';
import { STATUS_CONFIG, type StatusConfig } from './config/status.config';
import { DependencyHealth } from './health/dependency-health';

/** status: per-device sync health in Redis (issue 6 fills in the consumers, the model and the API). */
@Module({})
export class AppModule {
  static register(config: StatusConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forRoot({ service: { name: 'status', version: config.SERVICE_VERSION }, logger })],
      providers: [{ provide: STATUS_CONFIG, useValue: config }, DependencyHealth],
    };
  }
}

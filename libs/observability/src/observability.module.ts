import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { HealthController } from './health.controller';
import { HealthRegistry } from './health-registry';
import { MetricsController } from './metrics.controller';
import { METRICS_REGISTRY, ROOT_LOGGER, SERVICE_INFO, type ServiceInfo } from './tokens';

export interface ObservabilityOptions {
  service: ServiceInfo;
  logger: Logger;
}

const QUIET_ROUTES = /^\/(health|metrics)\b/;

/**
 * JSON request logs (nestjs-pino on our root logger, health and metrics routes excluded), a Prometheus
 * registry with process metrics, and the `/health/live`, `/health/ready` and `/metrics` routes.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot({ service, logger }: ObservabilityOptions): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels({ service: service.name });
    collectDefaultMetrics({ register: registry });
    return {
      module: ObservabilityModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            autoLogging: { ignore: (req) => QUIET_ROUTES.test(req.url ?? '') },
            customProps: (req) => ({ correlationId: req.headers['x-correlation-id'] }),
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        HealthRegistry,
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: SERVICE_INFO, useValue: service },
      ],
      exports: [HealthRegistry, ROOT_LOGGER, METRICS_REGISTRY, SERVICE_INFO],
    };
  }
}

import { type DynamicModule, Module } from '@nestjs/common';
import { ApiDocsModule, ObservabilityModule, type Logger } from '@attendance/observability';
import { LOCAL_API_CONTROLLERS, LOCAL_API_PROVIDERS } from './api/local-api.providers';
import { buildGatewayOpenApi } from './api/openapi-document';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { GatewayRuntime } from './gateway-runtime';

/**
 * device-gateway: the on-site half. The Nest app serves the local API on :8080 (health and metrics open; the
 * dashboard's API under /api/v1 behind GATEWAY_ADMIN_TOKEN; OpenAPI at /api/docs); the device listener on
 * :8081 is started by GatewayRuntime.
 */
@Module({})
export class AppModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: { name: 'device-gateway', version: config.version }, logger }),
        ApiDocsModule.forDocument(buildGatewayOpenApi(config.version)),
      ],
      controllers: LOCAL_API_CONTROLLERS,
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }, GatewayRuntime, ...LOCAL_API_PROVIDERS],
    };
  }
}

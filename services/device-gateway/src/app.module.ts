import { type DynamicModule, Module } from '@nestjs/common';
import { ObservabilityModule, type Logger } from '@attendance/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config';
import { GatewayRuntime } from './gateway-runtime';

/**
 * device-gateway: the on-site half. The Nest app serves the local API on :8080 (health, metrics; the
 * dashboard API grows here); the device listener on :8081 is started by GatewayRuntime.
 */
@Module({})
export class AppModule {
  static register(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ObservabilityModule.forRoot({ service: { name: 'device-gateway', version: config.version }, logger })],
      providers: [{ provide: GATEWAY_CONFIG, useValue: config }, GatewayRuntime],
    };
  }
}

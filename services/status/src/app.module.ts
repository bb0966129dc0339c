import { type DynamicModule, Module } from '@nestjs/common';
import { ApiDocsModule, ObservabilityModule, type Logger } from '@attendance/observability';
import { ApiKeyGuard } from './api/api-key.guard';
import { DevicesController } from './api/devices.controller';
import { FleetController } from './api/fleet.controller';
import { FleetQueries } from './api/fleet-queries';
import { buildStatusOpenApi } from './api/openapi-document';
import { StreamController } from './api/stream.controller';
import { STATUS_CONFIG, type StatusConfig } from './config/status.config';
import { DeviceStore } from './devices/device-store';
import { DeviceUpdater } from './devices/device-updater';
import { HealthReconciler } from './devices/health-reconciler';
import { StalenessSweeper } from './devices/staleness-sweeper';
import { GatewayStore } from './gateways/gateway-store';
import { StatusConsumers } from './ingestion/status-consumers';
import { StatusKafka } from './kafka/status-kafka';
import { FleetGauge } from './metrics/fleet-gauge';
import { StatusMetrics } from './metrics/status-metrics';
import { StatusRedis } from './redis/status-redis';
import { HealthEventRelay } from './transitions/health-event-relay';
import { TransitionFeed } from './transitions/transition-feed';
import { WebhookDispatcher } from './transitions/webhook-dispatcher';

/** status: per-device sync health in Redis, the ops API with live updates, and alerts (issue 6). */
@Module({})
export class AppModule {
  static register(config: StatusConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({ service: { name: 'status', version: config.SERVICE_VERSION }, logger }),
        ApiDocsModule.forDocument(buildStatusOpenApi(config.SERVICE_VERSION, config.STATUS_PAGE_MAX)),
      ],
      controllers: [FleetController, DevicesController, StreamController],
      providers: [
        { provide: STATUS_CONFIG, useValue: config },
        StatusRedis,
        StatusKafka,
        StatusMetrics,
        DeviceStore,
        GatewayStore,
        HealthReconciler,
        DeviceUpdater,
        StatusConsumers,
        StalenessSweeper,
        HealthEventRelay,
        WebhookDispatcher,
        TransitionFeed,
        FleetQueries,
        FleetGauge,
        ApiKeyGuard,
      ],
    };
  }
}

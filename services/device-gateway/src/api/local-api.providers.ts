import type { Provider } from '@nestjs/common';
import { ROOT_LOGGER, type Logger } from '@attendance/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { GatewayRuntime } from '../gateway-runtime';
import { ReferenceSync } from '../reference/reference-sync';
import { EdgeStore } from '../store/edge-store';
import { AdminTokenGuard } from './admin-token.guard';
import { ApprovalReplayOnStart } from './approval-replay.startup';
import { BacklogController } from './backlog.controller';
import { DashboardController } from './dashboard.controller';
import { DeviceApprovalService } from './device-approval.service';
import { DeviceListService } from './device-list.service';
import { DevicesController } from './devices.controller';
import { PresenceController } from './presence.controller';
import { PresenceService } from './presence.service';
import { QuarantineController } from './quarantine.controller';
import { ReferenceController } from './reference.controller';

export const LOCAL_API_CONTROLLERS = [DevicesController, BacklogController, QuarantineController, ReferenceController, PresenceController, DashboardController];

/** The local API reads and writes the runtime's one EdgeStore (one SQLite connection per process). */
export const LOCAL_API_PROVIDERS: Provider[] = [
  AdminTokenGuard,
  { provide: EdgeStore, useFactory: (runtime: GatewayRuntime) => runtime.store, inject: [GatewayRuntime] },
  { provide: ReferenceSync, useFactory: (runtime: GatewayRuntime) => runtime.referenceSync, inject: [GatewayRuntime] },
  { provide: DeviceListService, useFactory: (store: EdgeStore, config: GatewayConfig) => new DeviceListService(store, config), inject: [EdgeStore, GATEWAY_CONFIG] },
  { provide: PresenceService, useFactory: (store: EdgeStore, config: GatewayConfig) => new PresenceService(store, config), inject: [EdgeStore, GATEWAY_CONFIG] },
  {
    provide: DeviceApprovalService,
    // Replayed audits and quarantined lines become device events; replayed options report capacity.
    useFactory: (runtime: GatewayRuntime, config: GatewayConfig, logger: Logger) =>
      new DeviceApprovalService(runtime.store, config, {
        events: runtime.deviceEvents,
        health: runtime.pull.health,
        onReplayFailure: (serial, requestId, err) => logger.error({ err, serial, requestId }, 'could not replay a request kept while pending; it stays pending and is retried'),
      }),
    inject: [GatewayRuntime, GATEWAY_CONFIG, ROOT_LOGGER],
  },
  ApprovalReplayOnStart,
];

import type { SyncCoordinatorConfig } from '../config/sync-coordinator.config';

/** Mobile sync schemas of the OpenAPI document (filled in with the mobile sync API). */
export function mobileOpenApiSchemas(): Record<string, unknown> {
  return {};
}

export function mobileOpenApiPaths(_config: SyncCoordinatorConfig): Record<string, unknown> {
  return {};
}

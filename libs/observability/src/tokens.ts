/** Injection tokens of the observability module. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const SERVICE_INFO = Symbol('SERVICE_INFO');

export interface ServiceInfo {
  name: string;
  version: string;
}

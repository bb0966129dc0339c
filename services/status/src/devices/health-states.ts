import { DeviceHealthStateSchema } from '@attendance/contracts';

/**
 * The states of ops.device.health.v1. `healthy` is what dashboards show as online; `unhealthy` is reserved for
 * a device that still talks but is about to lose data (log capacity critical).
 */
export const DEVICE_HEALTH_STATES = DeviceHealthStateSchema.options;

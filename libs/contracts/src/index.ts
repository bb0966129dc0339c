export * from './topic-contract';
export * from './headers';
export * from './errors/contract-error';

export * from './time/local-time';
export * from './time/zone-offset';
export * from './time/resolve-local-time';
export * from './time/adms-time-zone';

export * from './identity/punch-identity';

export * from './enums/punch-protocol';
export * from './enums/direction';
export * from './enums/verify-mode';
export * from './enums/hikvision-events';
export { RAW_CODE_MAX_LENGTH } from './enums/raw-code';

export * from './schemas/ids.schema';
export * from './schemas/time.schema';
export * from './schemas/scalars.schema';

export { PUNCH_RAW_MAX_LENGTH } from './topics/punch-fields';
export { tenantScopedKey } from './topics/topic-keys';
export * from './topics/punch-raw.topic';
export * from './topics/punch-accepted.topic';
export * from './topics/gateway-heartbeat.topic';
export * from './topics/device-event.topic';
export * from './topics/gateway-command.topic';
export * from './topics/gateway-command-result.topic';
export * from './topics/completeness.topic';
export * from './topics/device-health.topic';
export * from './topics/mobile-record.topic';
export * from './topics/topic-registry';

export * from './http/reference-pull';

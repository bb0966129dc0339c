export * from './root-logger';
export * from './tokens';
export * from './health-registry';
export * from './observability.module';
export * from './bootstrap';
export * from './api-docs.module';

export * from './ensure-database';
export * from './run-migrations';
export * from './postgres-errors';
export * from './binary-text-array';

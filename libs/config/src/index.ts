export * from './parse-config';
export * from './env-schemas';
export * from './redact';

export * from './api-key-verifier';
export * from './zod-http';

// Documentation generation is dev tooling: it is not exported from `@attendance/contracts`, so services do not
// bundle `yaml`. Import it from here (tools/contracts, the drift test).
export * from './asyncapi-document';
export * from './contract-docs';
export * from './stable-json';
export * from './topic-json-schema';

export { testInfra, type TestInfra } from './test-infra';
export { createIsolatedDatabase, type IsolatedDatabase } from './isolated-database';
export { uniqueSuffix } from './unique-suffix';
export { waitFor, type WaitForOptions } from './wait-for';

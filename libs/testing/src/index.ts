export { testInfra, type TestInfra } from './test-infra';
export { createIsolatedDatabase, type IsolatedDatabase } from './isolated-database';
export { uniqueSuffix } from './unique-suffix';
export { waitFor, type WaitForOptions } from './wait-for';
export { aRawPunch, rawPunchSeries, type RawPunchInput } from './builders/raw-punch.builder';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { collectTopic, type CollectedMessage } from './topic-collector';

// Two tiers, one command (`npm test`):
//  - unit: pure code, no I/O, runs in seconds;
//  - integration: real Kafka, Postgres, Redis and SQLite. Its globalSetup finds or starts them
//    (env vars, then Docker via testcontainers, then local processes) and never skips silently.
const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: { '^@attendance/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/target/'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{libs,services,tools,tests}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,tools,tests}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/infra/jest-global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/infra/jest-global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/infra/jest-integration-timeouts.ts'],
    },
  ],
};

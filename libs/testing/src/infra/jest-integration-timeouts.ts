// Integration tests start real services and wait on real brokers; Jest's 5 s default is for unit tests.
// NOTE: `testTimeout` in a Jest *project* config is ignored, hence this setup file.
jest.setTimeout(120_000);

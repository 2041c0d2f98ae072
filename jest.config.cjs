// One jest config for the whole monorepo. Tests run against TypeScript sources
// (transformed by swc); a separate test imports the built packages to prove the
// exports maps work.
// Google's auth library probes the GCE metadata server (off loopback) when no credentials are
// set; every test process inherits these, so no test can reach it.
process.env.METADATA_SERVER_DETECTION ??= 'none';
process.env.GCE_METADATA_HOST ??= '127.0.0.1:9';
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const moduleNameMapper = {
  '^@eventport/core/driver$': '<rootDir>/packages/core/src/driver/index.ts',
  '^@eventport/core$': '<rootDir>/packages/core/src/index.ts',
  '^@eventport/memory$': '<rootDir>/packages/memory/src/index.ts',
  '^@eventport/sqs$': '<rootDir>/packages/sqs/src/index.ts',
  '^@eventport/kafka$': '<rootDir>/packages/kafka/src/index.ts',
  '^@eventport/pubsub$': '<rootDir>/packages/pubsub/src/index.ts',
  '^@eventport/eventhubs$': '<rootDir>/packages/eventhubs/src/index.ts',
  '^@eventport/eventgrid$': '<rootDir>/packages/eventgrid/src/index.ts',
  '^@eventport/eventhubs-emulator$': '<rootDir>/packages/eventhubs-emulator/src/index.ts',
  '^@eventport/eventgrid-emulator$': '<rootDir>/packages/eventgrid-emulator/src/index.ts',
  '^@eventport/conformance$': '<rootDir>/packages/conformance/src/index.ts',
  '^@eventport/conformance/jest$': '<rootDir>/packages/conformance/src/jest.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
};
module.exports = {
  coverageReporters: ['text-summary', 'json-summary', 'lcov'],
  collectCoverageFrom: ['packages/*/src/**/*.ts', '!packages/*/src/**/*.d.ts'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/packages/*/test/**/*.test.ts'],
    },
    {
      // Real brokers on loopback. Global setup starts only the brokers the selected
      // suites need (see integration-tests/src/jest/global-setup.ts).
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/integration-tests/test/**/*.test.ts'],
      globalSetup: '<rootDir>/integration-tests/src/jest/global-setup.ts',
      globalTeardown: '<rootDir>/integration-tests/src/jest/global-teardown.ts',
    },
  ],
};

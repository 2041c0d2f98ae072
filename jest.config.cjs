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
/**
 * `@eventport/<x>[/<sub>]` → the TypeScript source behind each entry of the package's exports map
 * (`./dist/<path>.js` → `<rootDir>/packages/<x>/src/<path>.ts`), derived from the packages present:
 * a new package needs no edit here.
 */
function sourceMappings() {
  const fs = require('node:fs');
  const path = require('node:path');
  const mappings = {};
  const packages = path.join(__dirname, 'packages');
  for (const dir of fs.readdirSync(packages).sort()) {
    const file = path.join(packages, dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const js = typeof target === 'string' ? target : target?.default;
      if (typeof js !== 'string' || !js.startsWith('./dist/') || !js.endsWith('.js')) continue;
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
      const source = `<rootDir>/packages/${dir}/src/${js.slice('./dist/'.length, -'.js'.length)}.ts`;
      mappings[`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`] = source;
    }
  }
  return mappings;
}
const moduleNameMapper = {
  ...sourceMappings(),
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
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/examples/test/**/*.test.ts',
        '<rootDir>/bench/test/**/*.test.ts',
      ],
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
    {
      // The packed packages as a user installs them: tarballs installed offline into fresh
      // projects under the OS temp folder (needs the build; see scripts/test/).
      ...common,
      displayName: 'packaging',
      testMatch: ['<rootDir>/scripts/test/**/*.test.ts'],
    },
  ],
};

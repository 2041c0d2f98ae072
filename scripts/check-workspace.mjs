// Checks that the wiring a new package needs is complete, so adding `packages/<x>` is one folder
// plus the steps in docs/adapters.md: every package folder is a TypeScript project reference of
// the root build, every adapter (a package.json with "eventport.adapter") declares a scheme, a
// title and an example URL, depends on @eventport/core, has the adapter files every adapter has,
// a package README, a section in the root README (its `scheme://` in a heading); an adapter over a
// network also has integration tests with a conformance run (integration-tests/test/<dir>/
// conformance*.test.ts) and a benchmark (bench/src/<dir>-bench.ts); and no broker SDK is a
// dependency of another package (core has no dependencies at all).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ADAPTER_FILES = ['index', 'config', 'driver', 'sender', 'receiver', 'capabilities'];
/** What an adapter over a network has besides: its error mapping and its broker's message format. */
const NETWORK_FILES = ['errors', 'wire'];
const problems = [];
const references = new Set(
  JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')).references.map((r) =>
    r.path.replace(/^\.\//, ''),
  ),
);
const sdkOwners = new Map();
const rootReadmeHeadings = readFileSync(join(root, 'README.md'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('### '));
const packages = readdirSync(join(root, 'packages')).filter((d) =>
  existsSync(join(root, 'packages', d, 'package.json')),
);
for (const dir of packages) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (!references.has(`packages/${dir}`))
    problems.push(`packages/${dir}: missing from the references of tsconfig.json`);
  const adapter = pkg.eventport?.adapter;
  if (adapter === undefined) continue;
  for (const field of ['scheme', 'title', 'example'])
    if (typeof adapter[field] !== 'string')
      problems.push(`${pkg.name}: eventport.adapter.${field} is missing`);
  if (pkg.dependencies?.['@eventport/core'] === undefined)
    problems.push(`${pkg.name}: does not depend on @eventport/core`);
  const files = adapter.inProcess === true ? ADAPTER_FILES : [...ADAPTER_FILES, ...NETWORK_FILES];
  for (const file of files)
    if (!existsSync(join(root, 'packages', dir, 'src', `${file}.ts`)))
      problems.push(`${pkg.name}: src/${file}.ts is missing (an adapter has ${files.join(', ')})`);
  if (!existsSync(join(root, 'packages', dir, 'README.md')))
    problems.push(`${pkg.name}: README.md is missing (docs/adapters.md step 7)`);
  if (!rootReadmeHeadings.some((h) => h.includes(`\`${adapter.scheme}://`)))
    problems.push(`${pkg.name}: the root README has no "### … \`${adapter.scheme}://…\`" section (step 7)`);
  if (adapter.inProcess !== true) {
    const tests = join(root, 'integration-tests', 'test', dir);
    const conformance =
      existsSync(tests) && readdirSync(tests).some((f) => /^conformance.*\.test\.ts$/.test(f));
    if (!conformance)
      problems.push(`${pkg.name}: integration-tests/test/${dir}/conformance*.test.ts is missing (step 5)`);
    if (!existsSync(join(root, 'bench', 'src', `${dir}-bench.ts`)))
      problems.push(`${pkg.name}: bench/src/${dir}-bench.ts is missing (step 6)`);
  }
  for (const dep of Object.keys(pkg.dependencies ?? {})) {
    if (dep.startsWith('@eventport/')) continue;
    sdkOwners.set(dep, [...(sdkOwners.get(dep) ?? []), pkg.name]);
  }
}
const core = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8'));
if (Object.keys(core.dependencies ?? {}).length > 0)
  problems.push('@eventport/core: must have no dependencies');
for (const [dep, owners] of sdkOwners) {
  if (owners.length > 1 && /^(kafkajs|@aws-sdk\/|@google-cloud\/|@azure\/event)/.test(dep))
    problems.push(
      `${dep}: a broker SDK is a dependency of ${owners.join(' and ')}; it belongs to one adapter`,
    );
}
for (const p of problems) console.error(`FAIL ${p}`);
console.log(`${packages.length} packages checked, ${problems.length} problems`);
process.exit(problems.length > 0 ? 1 : 0);

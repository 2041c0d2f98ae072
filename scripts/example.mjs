// Runs one of the examples under examples/: `npm run example -- <name> [url] [options]`, or
// `npm run example -- list`. The URL defaults to EVENTPORT_URL, then memory://. The example (and
// the packages it uses) is built first with `tsc --build` unless --no-build comes before the name.
// The exit code is the example's: 0 it met its promise, 1 it did not, 3 this broker lacks a
// guarantee it requires (the reason is printed from the capability report).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const examplesDir = join(root, 'examples');

/**
 * The runnable examples: workspaces under examples/, except a shared library (a package.json with
 * "eventport": { "exampleLibrary": true }, e.g. examples/support), which is no example.
 */
function examples() {
  return readdirSync(examplesDir)
    .filter((d) => existsSync(join(examplesDir, d, 'package.json')))
    .sort()
    .map((d) => ({ dir: d, pkg: JSON.parse(readFileSync(join(examplesDir, d, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => pkg.eventport?.exampleLibrary !== true)
    .map(({ dir, pkg }) => ({
      name: dir,
      description: pkg.description ?? '',
      main: pkg.main ?? './dist/main.js',
    }));
}

function usage(code) {
  console.log('usage: npm run example -- <name> [url] [options]   (url: else EVENTPORT_URL, else memory://)');
  console.log('       npm run example -- list');
  process.exit(code);
}

const args = process.argv.slice(2);
let build = true;
if (args[0] === '--no-build') {
  build = false;
  args.shift();
}
const [name, ...rest] = args;
if (name === undefined || name === '--help' || name === '-h') usage(name === undefined ? 2 : 0);
const all = examples();
if (name === 'list') {
  const width = Math.max(...all.map((e) => e.name.length));
  for (const e of all) console.log(`${e.name.padEnd(width)}  ${e.description}`);
  process.exit(0);
}
const example = all.find((e) => e.name === name);
if (example === undefined) {
  console.error(`no example "${name}"; examples: ${all.map((e) => e.name).join(', ')}`);
  process.exit(2);
}
if (build) {
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--build', join(examplesDir, name)],
    {
      stdio: 'inherit',
    },
  );
  if (tsc.status !== 0) {
    console.error(`building examples/${name} failed`);
    process.exit(1);
  }
}
// The URL goes to the example as its first argument and as EVENTPORT_URL (examples/orders takes the argument, EVENTPORT_URL when there is none).
const env = rest[0]?.includes('://') ? { ...process.env, EVENTPORT_URL: rest[0] } : process.env;
const run = spawnSync(process.execPath, [join(examplesDir, name, example.main), ...rest], {
  stdio: 'inherit',
  env,
});
if (run.signal !== null) {
  console.error(`examples/${name} was killed by ${run.signal}`);
  process.exit(1);
}
process.exit(run.status ?? 1);

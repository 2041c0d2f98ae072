#!/usr/bin/env node
// Regenerates the capability matrix in README.md (between <!-- capability-matrix:start -->
// and <!-- capability-matrix:end -->) from the installed adapters' declarations: the
// adapters are the single source of truth. Needs the CLI built (npm run build).
//
//   node packages/cli/scripts/capability-matrix.mjs            rewrite the README
//   node packages/cli/scripts/capability-matrix.mjs --check    exit 1 when the README is stale
//   ... --readme PATH                                          another file
//   ... --print                                                print the matrix only
//   ... --declared-only                                        only adapters' capabilityVariants exports (no
//                                                              connecting with defaults, so no environment
//                                                              variable can change the result)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    check: { type: 'boolean' },
    print: { type: 'boolean' },
    readme: { type: 'string' },
    'declared-only': { type: 'boolean' },
  },
});
let cli;
try {
  cli = await import('../dist/index.js');
} catch (err) {
  console.error(`capability-matrix: the CLI is not built (${err.message}); run npm run build first`);
  process.exit(2);
}
const adapters = await cli.discoverAdapters({ connectFallback: !values['declared-only'] });
const matrix = cli.markdownMatrix(cli.allVariants(adapters));
if (values.print) {
  console.log(matrix);
  process.exit(0);
}
const readme = values.readme ?? fileURLToPath(new URL('../../../README.md', import.meta.url));
let doc;
try {
  doc = readFileSync(readme, 'utf8');
} catch (err) {
  console.error(`capability-matrix: cannot read ${readme} (${err.code ?? err.message})`);
  process.exit(1);
}
let next;
try {
  next = cli.replaceBetweenMarkers(doc, matrix);
} catch (err) {
  console.error(`capability-matrix: ${readme}: ${err.message}`);
  process.exit(1);
}
const columns = cli
  .allVariants(adapters)
  .map((v) => v.label)
  .join(', ');
if (values.check) {
  if (next !== doc) {
    console.error(
      `capability-matrix: the matrix in ${readme} is stale; run: node packages/cli/scripts/capability-matrix.mjs`,
    );
    process.exit(1);
  }
  console.log(`capability-matrix: ${readme} is up to date (${columns})`);
} else if (next === doc) {
  console.log(`capability-matrix: ${readme} already up to date (${columns})`);
} else {
  writeFileSync(readme, next);
  console.log(`capability-matrix: updated ${readme} (${columns})`);
}

// Checks what `npm pack` would publish for every published package (packages/* not marked
// private), the way a user receives it:
//
// - contents: every file the exports map, main, types and bin name is in the tarball, so is
//   LICENSE, and nothing from tests (test/, scratch/, bench/, *.test.*, *.spec.*, build info);
// - publint: the package.json fields against the packed files (errors and warnings fail);
// - @arethetypeswrong/core: the types each entry point resolves to under node16 (from ESM and
//   from CJS) and bundler resolution. Two findings are accepted by decision (CONTRIBUTING.md,
//   "CommonJS consumers"): node10 resolution (no exports maps; the `node16` profile of attw
//   ignores it too) and CJSResolvesToESM (the packages are ESM-only and `engines` admits only
//   Node versions where `require(esm)` works; TypeScript >= 5.8 types that with
//   `module: nodenext` or `node20`).
//
// One `npm pack` for all packages, then every package is checked in parallel: a few seconds.
// Usage: node scripts/check-packages.mjs [--verbose]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemAffectsResolutionKind, problemKindInfo } from '@arethetypeswrong/core/problems';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = new URL('..', import.meta.url).pathname;
const verbose = process.argv.includes('--verbose');
/** attw findings accepted by decision (see the header). */
const ACCEPTED_KINDS = new Set(['CJSResolvesToESM']);
const RESOLUTIONS = ['node16-cjs', 'node16-esm', 'bundler']; // node10 is not checked
const TEST_FILE =
  /(^|\/)(test|tests|__tests__|scratch|bench|coverage)\/|\.(test|spec)\.[cm]?[jt]sx?$|\.tsbuildinfo$/;

const packages = readdirSync(join(root, 'packages'))
  .sort()
  .map((dir) => ({ dir, file: join(root, 'packages', dir, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ dir, file }) => ({ dir, pkg: JSON.parse(readFileSync(file, 'utf8')) }))
  .filter(({ pkg }) => pkg.private !== true);

const out = mkdtempSync(join(tmpdir(), 'eventport-pack-'));
const problems = [];
try {
  const packed = JSON.parse(
    execFileSync(
      'npm',
      [
        'pack',
        '--json',
        '--ignore-scripts',
        '--pack-destination',
        out,
        ...packages.flatMap(({ dir }) => ['--workspace', `packages/${dir}`]),
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const byName = new Map(packed.map((p) => [p.name, p]));
  await Promise.all(
    packages.map(async ({ pkg }) => {
      const report = (msg) => problems.push(`${pkg.name}: ${msg}`);
      const info = byName.get(pkg.name);
      if (info === undefined) return report('npm pack produced no tarball');
      const files = new Set(info.files.map((f) => f.path));
      for (const target of namedFiles(pkg))
        if (!files.has(target)) report(`${target} is named in package.json but not packed`);
      if (!files.has('LICENSE')) report('LICENSE is not packed');
      for (const f of files) if (TEST_FILE.test(f)) report(`${f} is packed but belongs to tests`);
      const tarball = readFileSync(join(out, info.filename));

      const lint = await publint({
        pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length) },
        level: 'suggestion',
      });
      for (const m of lint.messages) {
        const text = `publint ${m.type}: ${formatMessage(m, lint.pkg) ?? m.code}`;
        if (m.type === 'suggestion') {
          if (verbose) console.log(`info ${pkg.name}: ${text}`);
        } else report(text);
      }

      const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(tarball)));
      if (analysis.types === false) return report('attw: the package has no types');
      for (const problem of analysis.problems) {
        const kinds = RESOLUTIONS.filter((k) => problemAffectsResolutionKind(problem, k, analysis));
        if (kinds.length === 0) continue;
        const where = `${problem.entrypoint ?? ''} (${kinds.join(', ')})`.trim();
        const text = `attw ${problem.kind}: ${problemKindInfo[problem.kind].shortDescription} — ${where}`;
        if (ACCEPTED_KINDS.has(problem.kind)) {
          if (verbose) console.log(`accepted ${pkg.name}: ${text}`);
        } else report(text);
      }
      if (verbose) console.log(`${pkg.name}: ${files.size} files, ${info.size} bytes packed`);
    }),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
for (const p of problems) console.error(`FAIL ${p}`);
console.log(
  `${packages.length} packed packages checked (contents, publint, attw), ${problems.length} problems`,
);
process.exit(problems.length > 0 ? 1 : 0);

/** The files package.json promises: exports targets (every condition), main, types, bin. */
function namedFiles(pkg) {
  const targets = new Set();
  const walk = (node) => {
    if (typeof node === 'string') targets.add(node);
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(pkg.exports);
  walk(pkg.main);
  walk(pkg.types);
  walk(typeof pkg.bin === 'string' ? pkg.bin : Object.values(pkg.bin ?? {}));
  return [...targets].filter((t) => !t.includes('*')).map((t) => t.replace(/^\.\//, ''));
}

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
// Before packing, internal dependency ranges: see checkInternalRanges.
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

const problems = [];
checkInternalRanges();
const out = mkdtempSync(join(tmpdir(), 'eventport-pack-'));
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
  `${packages.length} packed packages checked (internal ranges, contents, publint, attw), ${problems.length} problems`,
);
process.exit(problems.length > 0 ? 1 : 0);

/**
 * Internal dependency ranges that publishing keeps right (CONTRIBUTING.md, "Versioning"): a
 * published package names a sibling with a caret range its current version satisfies (`^0.1.0`;
 * `changeset version` rewrites it on every bump; npm publishes it as written, so `workspace:` is
 * refused); a private workspace (examples, tests, bench) names it with `*`, which always links
 * (or pins the current version).
 */
function checkInternalRanges() {
  const versions = new Map(packages.map(({ pkg }) => [pkg.name, pkg.version]));
  const privates = ['examples', 'integration-tests', 'bench']
    .flatMap((d) =>
      existsSync(join(root, d, 'package.json'))
        ? [join(root, d, 'package.json')]
        : existsSync(join(root, d))
          ? readdirSync(join(root, d)).map((x) => join(root, d, x, 'package.json'))
          : [],
    )
    .filter((f) => existsSync(f))
    .map((f) => JSON.parse(readFileSync(f, 'utf8')));
  for (const pkg of [...packages.map((p) => p.pkg), ...privates]) {
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'])
      for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
        const version = versions.get(dep);
        if (version === undefined) continue;
        // A private workspace may also pin the current version exactly; `changeset version` does
        // not rewrite private workspaces, so such a pin fails here after the next bump.
        const ok =
          caretSatisfies(range, version) || (pkg.private === true && (range === '*' || range === version));
        if (!ok)
          problems.push(
            `${pkg.name}: ${field}.${dep} is "${range}"; use ${pkg.private === true ? '"*"' : `"^${version}"`}` +
              ' (CONTRIBUTING.md, "Versioning and changelog")',
          );
      }
  }
}

/** `^a.b.c` satisfied by `version` (npm's caret: the left-most non-zero part is fixed). */
function caretSatisfies(range, version) {
  const r = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (r === null || v === null) return false;
  const [ra, rb, rc] = r.slice(1).map(Number);
  const [va, vb, vc] = v.slice(1).map(Number);
  if (ra !== va) return false;
  if (ra === 0 && rb !== vb) return false;
  if (ra === 0 && rb === 0 && rc !== vc) return false;
  return vb > rb || (vb === rb && vc >= rc);
}

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

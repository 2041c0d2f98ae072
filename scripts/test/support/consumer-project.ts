/**
 * A fresh consumer project outside the repository (under the OS temp folder) with the packed
 * tarballs installed the way a user gets them, with no registry access. `npm pack` of the
 * workspace packages, then either
 *
 * - `install: 'npm'`: `npm ci --offline` against a lockfile written here, which pins each tarball
 *   (`file:`) and takes every third-party dependency (version, integrity, placement) from the
 *   monorepo's package-lock.json, so npm takes each one from its cache by integrity. Needs every
 *   dependency in the npm cache (true for kafkajs; not for the whole Azure/AWS/Google trees).
 * - `install: 'link'`: the tarballs are unpacked into node_modules as npm would, and the
 *   third-party dependencies they need are links to the monorepo's installed copies (same
 *   versions, same placement): every package, whatever the cache holds.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = join(__dirname, '..', '..', '..');

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

export interface PackedPackage {
  name: string;
  dir: string;
  tarball: string;
  manifest: {
    name: string;
    version: string;
    exports?: Record<string, unknown>;
    dependencies?: Record<string, string>;
  };
}

/** The workspace packages under packages/ that are published (not private). */
export function publishedPackages(): { name: string; dir: string }[] {
  return readdirSync(join(ROOT, 'packages'))
    .sort()
    .filter((dir) => existsSync(join(ROOT, 'packages', dir, 'package.json')))
    .map((dir) => ({
      dir,
      pkg: JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => pkg.private !== true)
    .map(({ dir, pkg }) => ({ name: pkg.name as string, dir }));
}

/** `npm pack` of the given package folders (under packages/) into `dest`, in one npm call. */
export async function pack(dirs: readonly string[], dest: string): Promise<PackedPackage[]> {
  mkdirSync(dest, { recursive: true });
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', dest];
  for (const dir of dirs) args.push('--workspace', `packages/${dir}`);
  const { stdout } = await run('npm', args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const packed = JSON.parse(stdout) as { name: string; filename: string }[];
  return dirs.map((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    const info = packed.find((p) => p.name === manifest.name);
    if (info === undefined) throw new Error(`npm pack did not pack packages/${dir}`);
    return { name: manifest.name, dir, tarball: join(dest, info.filename), manifest };
  });
}

/**
 * Creates `<tmp>/eventport-consumer-*` with the tarballs (and `extra` third-party packages from
 * the monorepo's lockfile, e.g. typescript) as dependencies, installed offline (see the header).
 */
export async function createConsumerProject(
  packed: readonly PackedPackage[],
  { extra = [], install }: { extra?: readonly string[]; install: 'npm' | 'link' },
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'eventport-consumer-'));
  const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const dependencies: Record<string, string> = {};
  const packages: Record<string, LockEntry> = {};
  const queue: { from: string; name: string; optional: boolean }[] = [];
  for (const p of packed) {
    dependencies[p.name] = `file:${p.tarball}`;
    const deps = p.manifest.dependencies ?? {};
    packages[`node_modules/${p.name}`] = {
      version: p.manifest.version,
      resolved: `file:${p.tarball}`,
      dependencies: deps,
    };
    for (const name of Object.keys(deps)) {
      if (packed.some((q) => q.name === name)) continue;
      queue.push({ from: `packages/${p.dir}`, name, optional: false });
    }
  }
  for (const name of extra) {
    const entry = rootLock.packages[`node_modules/${name}`];
    if (entry?.version === undefined) throw new Error(`${name} is not in package-lock.json`);
    dependencies[name] = entry.version;
    queue.push({ from: '', name, optional: false });
  }
  // Copy the dependency closure, keeping each package where the monorepo's npm placed it.
  const seen = new Set<string>();
  const placements = new Map<string, string>();
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift()!;
    const source = resolveInLock(rootLock.packages, from, name);
    if (source === undefined) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
    }
    if (seen.has(source)) continue;
    seen.add(source);
    const entry = rootLock.packages[source]!;
    const target = source.replace(/^packages\/([^/]+)\//, (_m, dir: string) => {
      const owner = packed.find((p) => p.dir === dir);
      return `node_modules/${owner?.name ?? dir}/`;
    });
    const copy: LockEntry = { ...entry };
    for (const flag of ['dev', 'devOptional', 'peer', 'extraneous', 'inBundle']) delete copy[flag];
    packages[target] = copy;
    placements.set(source, target);
    for (const dep of Object.keys(entry.dependencies ?? {}))
      queue.push({ from: source, name: dep, optional: false });
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push({ from: source, name: dep, optional: true });
    for (const [dep] of Object.entries(entry.peerDependencies ?? {}))
      queue.push({ from: source, name: dep, optional: true });
  }
  const manifest = { name: 'eventport-consumer', version: '1.0.0', private: true, dependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  if (install === 'link') {
    for (const p of packed) {
      const target = join(dir, 'node_modules', p.name);
      mkdirSync(target, { recursive: true });
      await run('tar', ['-xzf', p.tarball, '-C', target, '--strip-components=1']);
    }
    // Top-level placements only: deeper ones are found from the linked packages' real paths.
    for (const [source, target] of placements) {
      if (!/^node_modules\/(@[^/]+\/)?[^/]+$/.test(target.replace(/^node_modules\/@eventport\/[^/]+\//, '')))
        continue;
      const link = join(dir, target);
      if (existsSync(link)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(ROOT, source), link, 'dir');
    }
    return dir;
  }
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      name: manifest.name,
      version: manifest.version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...packages },
    }),
  );
  await run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stderr?: string }) => {
    throw new Error(
      `npm ci --offline in ${dir} failed (a dependency missing from the npm cache? ` +
        `'npm install' at the root puts them there):\n${err.stderr ?? String(err)}`,
    );
  });
  return dir;
}

/** Where npm would find `name` from the package at lockfile path `from` (Node's lookup). */
function resolveInLock(lock: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    const entry = lock[candidate];
    if (entry !== undefined && entry.link !== true) return candidate;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

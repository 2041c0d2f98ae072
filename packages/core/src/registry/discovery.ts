import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Adapter discovery. Core holds no list of adapters: an adapter package declares itself in its
 * package.json,
 *
 *   "eventport": { "adapter": { "scheme": "kafka", "title": "Apache Kafka", "example": "kafka://host:9092" } }
 *
 * and is found where Node would resolve a package from the application (the `node_modules`
 * folders above the working directory and above the main script): packages in the `@eventport`
 * scope and packages named `eventport-adapter-*`. A scheme nobody declares is looked up by
 * convention as `@eventport/<scheme>`. The scan reads only those package.json files, once per
 * process (see {@link rescanAdapters}).
 */
export interface AdapterManifest {
  readonly scheme: string;
  readonly packageName: string;
  /** Human name of the broker, e.g. "Apache Kafka". */
  readonly title: string;
  /** An example URL for help texts, e.g. "kafka://host:9092". */
  readonly example?: string;
}

let cache: readonly AdapterManifest[] | undefined;

/** Every installed adapter package that declares itself, sorted by scheme (memory first). */
export function installedAdapters(): readonly AdapterManifest[] {
  cache ??= scan();
  return cache;
}

/** Forgets the scan (after installing a package at run time; tests). */
export function rescanAdapters(): void {
  cache = undefined;
}

/** The package that serves `scheme`: the one that declares it, else `@eventport/<scheme>`. */
export function adapterPackageFor(scheme: string): string {
  return installedAdapters().find((a) => a.scheme === scheme)?.packageName ?? `@eventport/${scheme}`;
}

function scan(): AdapterManifest[] {
  const found = new Map<string, AdapterManifest>();
  for (const dir of moduleDirs()) {
    for (const pkgDir of candidatePackages(dir)) {
      const manifest = readManifest(pkgDir);
      if (manifest !== undefined && !found.has(manifest.scheme)) found.set(manifest.scheme, manifest);
    }
  }
  return [...found.values()].sort((a, b) =>
    a.scheme === 'memory' ? -1 : b.scheme === 'memory' ? 1 : a.scheme.localeCompare(b.scheme),
  );
}

/** The node_modules folders Node searches from the working directory and from the main script. */
function moduleDirs(): string[] {
  const froms = [join(process.cwd(), 'index.js')];
  if (process.argv[1] !== undefined) froms.push(join(dirname(process.argv[1]), 'index.js'));
  const dirs = new Set<string>();
  for (const from of froms) {
    try {
      for (const d of createRequire(from).resolve.paths('@eventport/core') ?? []) dirs.add(d);
    } catch {
      // an unusable path: nothing to search there
    }
  }
  return [...dirs];
}

function candidatePackages(nodeModules: string): string[] {
  const out: string[] = [];
  for (const name of list(join(nodeModules, '@eventport'))) out.push(join(nodeModules, '@eventport', name));
  for (const name of list(nodeModules))
    if (name.startsWith('eventport-adapter-')) out.push(join(nodeModules, name));
  return out;
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readManifest(pkgDir: string): AdapterManifest | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      name?: unknown;
      eventport?: { adapter?: { scheme?: unknown; title?: unknown; example?: unknown } };
    };
    const adapter = pkg.eventport?.adapter;
    if (typeof pkg.name !== 'string' || typeof adapter?.scheme !== 'string') return undefined;
    return {
      scheme: adapter.scheme,
      packageName: pkg.name,
      title: typeof adapter.title === 'string' ? adapter.title : adapter.scheme,
      ...(typeof adapter.example === 'string' ? { example: adapter.example } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Decides which brokers a jest run needs, by convention: each integration suite declares the
 * brokers it talks to in a docblock at the top of the file,
 *
 *   /**
 *    * @brokers kafka sqs
 *    *\/
 *
 * (service or group names, as the `brokers` script takes them). The run needs the union over the
 * suites jest will run: the files under the project's testMatch folders, narrowed by the path
 * patterns given on the command line (`npx jest --selectProjects integration smoke/kafka`).
 * A suite without the tag needs no broker. `EVENTPORT_BROKERS=kafka,pubsub` (or `all`, or
 * `none`) overrides the convention.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolveServices } from '../brokers/services/index.js';
import type { ServiceName } from '../brokers/types.js';

/** The parts of jest's global and project configs read here (kept structural, no jest import). */
export interface GlobalConfigLike {
  readonly testPathPatterns?: { readonly patterns?: readonly string[] } | readonly string[];
}
export interface ProjectConfigLike {
  readonly rootDir: string;
  readonly testMatch?: readonly string[];
  readonly testPathIgnorePatterns?: readonly string[];
}

const TAG = /^\s*\*?\s*@brokers\s+(.+?)\s*$/m;

/** The brokers a suite declares in its leading docblock (empty when it declares none). */
export function declaredBrokers(file: string): ServiceName[] {
  const source = fs.readFileSync(file, 'utf8');
  const docblock = /^\s*(?:#![^\n]*\n\s*)?\/\*\*([\s\S]*?)\*\//.exec(source)?.[1];
  const tag = docblock ? TAG.exec(docblock)?.[1] : undefined;
  if (!tag) return [];
  try {
    return resolveServices(tag.split(/[\s,]+/));
  } catch (error) {
    throw new Error(`${file}: @brokers: ${(error as Error).message}`, { cause: error });
  }
}

/** The folder a testMatch glob starts from: its segments before the first one with a wildcard. */
function globBase(glob: string): string {
  const segments = glob.split('/');
  const firstWild = segments.findIndex((s) => /[*?[{]/.test(s));
  return segments.slice(0, firstWild === -1 ? segments.length : firstWild).join('/') || '/';
}

function testFiles(project: ProjectConfigLike): string[] {
  const bases = (
    project.testMatch ?? [path.join(project.rootDir, 'integration-tests/test/**/*.test.ts')]
  ).map((glob) => globBase(glob.replace('<rootDir>', project.rootDir)));
  const files = new Set<string>();
  for (const base of bases) {
    if (!fs.existsSync(base)) continue;
    for (const entry of fs.readdirSync(base, { recursive: true, encoding: 'utf8' })) {
      if (/\.test\.[cm]?[jt]sx?$/.test(entry)) files.add(path.join(base, entry));
    }
  }
  const ignore = (project.testPathIgnorePatterns ?? []).map((p) => new RegExp(p));
  return [...files].filter((f) => !ignore.some((r) => r.test(f))).sort();
}

function pathPatterns(global: GlobalConfigLike): string[] {
  const value = global.testPathPatterns;
  if (!value) return [];
  return [...(Array.isArray(value) ? value : ((value as { patterns?: readonly string[] }).patterns ?? []))];
}

/** The suites of this project that the run selects. */
export function selectedSuites(global: GlobalConfigLike, project: ProjectConfigLike): string[] {
  const patterns = pathPatterns(global).map((p) => new RegExp(p, 'i'));
  const files = testFiles(project);
  return patterns.length === 0 ? files : files.filter((f) => patterns.some((r) => r.test(f)));
}

/** The union of the brokers needed by the selected suites, or the EVENTPORT_BROKERS override. */
export function brokersNeeded(
  global: GlobalConfigLike,
  project: ProjectConfigLike,
  env: NodeJS.ProcessEnv = process.env,
): ServiceName[] {
  const override = env.EVENTPORT_BROKERS?.trim();
  if (override) return override.toLowerCase() === 'none' ? [] : resolveServices(override.split(/[\s,]+/));
  const needed = selectedSuites(global, project).flatMap(declaredBrokers);
  return resolveServices(needed);
}

/**
 * Every published entry point, installed from its packed tarball into a fresh project outside the
 * repository, loads from a plain CommonJS script (`require`, on every Node version `engines`
 * admits: they all have `require(esm)`), from an ES module, and type-checks from TypeScript with
 * `moduleResolution: node16` (an ES module file under `module: node16`, a CommonJS file under
 * `module: node20`) and with `moduleResolution: bundler`. See CONTRIBUTING.md, "CommonJS
 * consumers".
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createConsumerProject,
  pack,
  publishedPackages,
  type PackedPackage,
} from './support/consumer-project';

const run = promisify(execFile);
let packs: string;
let project: string;
let packed: PackedPackage[];
let entryPoints: string[];

beforeAll(async () => {
  packs = mkdtempSync(join(tmpdir(), 'eventport-packs-'));
  packed = await pack(
    publishedPackages().map((p) => p.dir),
    packs,
  );
  entryPoints = packed.flatMap((p) =>
    Object.keys(p.manifest.exports ?? {})
      .filter((subpath) => !subpath.endsWith('package.json'))
      .map((subpath) => (subpath === '.' ? p.name : `${p.name}/${subpath.slice(2)}`)),
  );
  project = await createConsumerProject(packed, { extra: ['typescript', '@types/node'], install: 'link' });
}, 180_000);

afterAll(() => {
  for (const dir of [packs, project]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function node(file: string, source: string): Promise<unknown> {
  writeFileSync(join(project, file), source);
  const { stdout } = await run(process.execPath, [file, JSON.stringify(entryPoints)], {
    cwd: project,
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

test('the packed packages name every entry point they export', () => {
  expect(entryPoints).toEqual(
    expect.arrayContaining(['@eventport/core', '@eventport/core/driver', '@eventport/memory']),
  );
});

test('a plain CommonJS script requires every published entry point', async () => {
  const loaded = await node(
    'require-all.cjs',
    `const out = {};
for (const specifier of JSON.parse(process.argv[2])) out[specifier] = Object.keys(require(specifier)).length;
console.log(JSON.stringify(out));`,
  );
  for (const specifier of entryPoints)
    expect([specifier, (loaded as Record<string, number>)[specifier]]).toEqual([
      specifier,
      expect.any(Number),
    ]);
  for (const count of Object.values(loaded as Record<string, number>)) expect(count).toBeGreaterThan(0);
}, 60_000);

test('an ES module imports every published entry point', async () => {
  const loaded = await node(
    'import-all.mjs',
    `const out = {};
for (const specifier of JSON.parse(process.argv[2])) out[specifier] = Object.keys(await import(specifier)).length;
console.log(JSON.stringify(out));`,
  );
  expect(Object.keys(loaded as object).sort()).toEqual([...entryPoints].sort());
  for (const count of Object.values(loaded as Record<string, number>)) expect(count).toBeGreaterThan(0);
}, 60_000);

test('require and import load one copy of core: one registry, one set of error classes', async () => {
  const result = await node(
    'one-copy.cjs',
    `const core = require('@eventport/core');
const driver = require('@eventport/core/driver');
require('@eventport/memory');
import('@eventport/core').then(async (esm) => {
  const esmDriver = await import('@eventport/core/driver');
  console.log(JSON.stringify({
    sameModule: esm === core,
    sameRegistry: esmDriver.registerDriver === driver.registerDriver,
    sameErrors: new esm.ConfigError('x', 'y') instanceof core.EventPortError,
    schemesSeenByEsm: esm.registeredSchemes(),
  }));
});`,
  );
  expect(result).toEqual({
    sameModule: true,
    sameRegistry: true,
    sameErrors: true,
    schemesSeenByEsm: ['memory'],
  });
}, 60_000);

describe('TypeScript against the packed types', () => {
  const body = (): string =>
    entryPoints.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`).join('\n') +
    `
import { connect, createEvent, EventPortError, type Event } from '@eventport/core';
import type { DriverFactory } from '@eventport/core/driver';
export async function roundTrip(): Promise<Event> {
  const broker = await connect('memory://ts');
  const factory: DriverFactory | undefined = undefined;
  void factory;
  const event = createEvent({ type: 't', source: '/s', data: { n: 1 } });
  if (!(event.id.length > 0)) throw new EventPortError('INVALID_EVENT', 'no id');
  await broker.close();
  return event;
}
`;

  async function tsc(name: string, compilerOptions: Record<string, unknown>, file: string): Promise<void> {
    const dir = join(project, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), body());
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        // skipLibCheck as most projects set it: a third-party declaration (google-auth-library's)
        // does not compile under module node16; the user's file is checked in full.
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          target: 'es2022',
          ...compilerOptions,
        },
        files: [file],
      }),
    );
    const tscBin = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tscBin, '-p', dir], { cwd: project, timeout: 120_000 }).catch(
      (err: { stdout?: string }) => {
        throw new Error(`tsc (${name}) failed:\n${err.stdout ?? String(err)}`);
      },
    );
  }

  test('moduleResolution node16, an ES module file (module node16)', async () => {
    await tsc('ts-node16-esm', { module: 'node16', moduleResolution: 'node16' }, 'index.mts');
  }, 120_000);

  test('moduleResolution node16, a CommonJS file that compiles to require (module node20)', async () => {
    await tsc('ts-node16-cjs', { module: 'node20', moduleResolution: 'node16' }, 'index.cts');
  }, 120_000);

  test('moduleResolution bundler', async () => {
    await tsc('ts-bundler', { module: 'preserve', moduleResolution: 'bundler' }, 'index.ts');
  }, 120_000);
});

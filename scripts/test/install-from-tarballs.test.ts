/**
 * The proof of issue 19: a fresh project outside the repository installs the packed tarballs of
 * core, memory and one broker adapter (kafka) with `npm ci --offline` (every dependency from the
 * npm cache, no registry access), and both a CommonJS script and an ES module connect to
 * `memory://`, send one event and receive it. The memory adapter is not imported by the scripts:
 * core finds and loads it, as it would for any installed adapter.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConsumerProject, pack } from './support/consumer-project';

const run = promisify(execFile);
let packs: string;
let project: string;

beforeAll(async () => {
  const started = Date.now();
  packs = mkdtempSync(join(tmpdir(), 'eventport-packs-'));
  project = await createConsumerProject(await pack(['core', 'memory', 'kafka'], packs), { install: 'npm' });
  console.log(`packed and installed offline in ${Date.now() - started} ms: ${project}`);
}, 120_000);

afterAll(() => {
  for (const dir of [packs, project]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The same program in both module systems; `load` is how each gets core and the adapter. */
const program = (load: string): string => `${load}
async function main() {
  const broker = await connect('memory://tarball');
  let subscription;
  const received = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no event within 10 s')), 10_000).unref();
    broker
      .consumer('orders', { group: 'billing', from: 'earliest' })
      .subscribe(async (event) => resolve(event))
      .then((sub) => (subscription = sub), reject);
  });
  const receipt = await broker.producer('orders').send({
    type: 'order.created',
    source: '/shop',
    key: 'cust-42',
    data: { total: 42 },
  });
  const event = await received;
  await subscription.close();
  await broker.close();
  console.log(JSON.stringify({
    sent: receipt.id === event.id,
    type: event.type,
    data: event.data,
    schemes: registeredSchemes(),
    kafka: typeof kafka.capabilityVariants,
  }));
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

async function runScript(file: string, source: string): Promise<unknown> {
  writeFileSync(join(project, file), source);
  const started = Date.now();
  const { stdout } = await run(process.execPath, [file], { cwd: project, timeout: 30_000 });
  console.log(`${file}: ${Date.now() - started} ms`);
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const expected = {
  sent: true,
  type: 'order.created',
  data: { total: 42 },
  schemes: ['kafka', 'memory'],
  kafka: 'object',
};

test('a CommonJS script sends and receives one event on memory://', async () => {
  const result = await runScript(
    'roundtrip.cjs',
    program(`const { connect, registeredSchemes } = require('@eventport/core');
const kafka = require('@eventport/kafka');`),
  );
  expect(result).toEqual(expected);
}, 60_000);

test('an ES module sends and receives one event on memory://', async () => {
  const result = await runScript(
    'roundtrip.mjs',
    program(`import { connect, registeredSchemes } from '@eventport/core';
import * as kafka from '@eventport/kafka';`),
  );
  expect(result).toEqual(expected);
}, 60_000);

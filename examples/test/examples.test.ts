/**
 * Every example under examples/ runs on the embedded broker (memory://) and keeps its promise:
 * exit code 0 and its `PASS <name>` line — except where memory:// lacks a guarantee the example
 * requires (PULL_ONLY: push-consumer needs push), where it must exit 3 naming exactly that
 * guarantee with the capability report's reason. push-consumer also runs on an Event Grid
 * emulator this test starts in-process (basic topics push), where it must keep its promise. The
 * examples run as their own processes from their built output (`npm test` builds first; a
 * missing build is made here), one at a time. One negative run proves that a check can fail: the
 * payments example without its ledger reconciliation must catch the double charge it causes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '@eventport/eventgrid-emulator';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const manifest = (d: string): { eventport?: { exampleLibrary?: boolean } } =>
  JSON.parse(readFileSync(path.join(root, 'examples', d, 'package.json'), 'utf8'));
/** Runnable examples: workspaces under examples/ except a shared library (examples/support). */
const examples = readdirSync(path.join(root, 'examples'))
  .filter((d) => existsSync(path.join(root, 'examples', d, 'package.json')))
  .filter((d) => manifest(d).eventport?.exampleLibrary !== true)
  .sort();

const EXIT_UNSUPPORTED = 3;
/** What memory:// cannot carry (its capability report says why): example -> guarantees unsupported. */
const PULL_ONLY: Record<string, string[]> = { 'push-consumer': ['push'] };

/** Shorter than the defaults where an example runs for a set time. */
const ARGS: Record<string, string[]> = {
  'iot-stream': ['--duration', '3'],
  'request-response': ['--timeout-ms', '1000'],
};

function runExample(
  name: string,
  args: string[],
  url = 'memory://',
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'examples', name, 'dist', 'main.js'), url, ...args],
      {
        cwd: root,
        env: { ...process.env, EVENTPORT_URL: url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

beforeAll(() => {
  const missing = examples.filter((d) => !existsSync(path.join(root, 'examples', d, 'dist', 'main.js')));
  if (missing.length === 0) return;
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(
    process.execPath,
    [tsc, '--build', ...missing.map((d) => path.join(root, 'examples', d))],
    {
      stdio: 'inherit',
    },
  );
  if (built.status !== 0) throw new Error(`building ${missing.join(', ')} failed`);
});

it('finds the examples', () => {
  expect(examples).toEqual(
    expect.arrayContaining([
      'anomaly-detection',
      'broadcast',
      'fire-and-forget',
      'iot-stream',
      'load-levelling',
      'orders',
      'payments',
      'push-consumer',
      'request-response',
    ]),
  );
  expect(examples).not.toContain('support');
});

it.each(examples.filter((name) => PULL_ONLY[name] === undefined))(
  '%s keeps its promise on memory://',
  async (name) => {
    const { code, output } = await runExample(name, ARGS[name] ?? []);
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^PASS ${name} \\([\\d.]+ s\\)$`, 'm'));
  },
);

it.each(Object.entries(PULL_ONLY).map(([name, missing]) => [name, missing.join(', no '), missing] as const))(
  '%s cannot run on memory:// (exit 3, no %s, with the reason)',
  async (name, _title, missing) => {
    const { code, output } = await runExample(name, ARGS[name] ?? []);
    expect(code).toBe(EXIT_UNSUPPORTED);
    const unsupported = [...output.matchAll(/^\s*unsupported: (\S+) — (.*\S.*)$/gm)].map((m) => m[1]);
    expect(unsupported.sort()).toEqual([...missing].sort());
    expect(output).not.toMatch(/^PASS/m);
  },
);

it('push-consumer keeps its promise on Event Grid basic topics (emulator started here)', async () => {
  const emulator = await startEmulator({ port: 0, log: () => undefined });
  try {
    const url = `eventgrid://${new URL(emulator.url).host}/orders?mode=basic`;
    const { code, output } = await runExample('push-consumer', [], url, { EVENTGRID_KEY: emulator.key });
    if (code !== 0) console.log(output);
    expect(code).toBe(0);
    expect(output).toMatch(/^PASS push-consumer \([\d.]+ s\)$/m);
  } finally {
    await emulator.close();
  }
});

it('payments catches the double charge when the worker skips its ledger reconciliation', async () => {
  const { code, output } = await runExample('payments', ['--skip-reconcile']);
  expect(output).toMatch(/FAIL nothing charged twice: pay-\d+/);
  expect(code).toBe(1);
});

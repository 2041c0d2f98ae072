/**
 * Every example under examples/ runs on the embedded broker (memory://) and keeps its promise:
 * its exit code is 0. The examples run as their own processes from their built output (`npm test`
 * builds first; a missing build is made here), one at a time. One negative run proves that a
 * check can fail: the payments example without its ledger reconciliation must catch the double
 * charge it causes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..');
const manifest = (d: string): { eventport?: { exampleLibrary?: boolean } } =>
  JSON.parse(readFileSync(path.join(root, 'examples', d, 'package.json'), 'utf8'));
/** Runnable examples: workspaces under examples/ except a shared library (examples/support). */
const examples = readdirSync(path.join(root, 'examples'))
  .filter((d) => existsSync(path.join(root, 'examples', d, 'package.json')))
  .filter((d) => manifest(d).eventport?.exampleLibrary !== true)
  .sort();

/** Shorter than the defaults where an example runs for a set time. */
const ARGS: Record<string, string[]> = {
  'iot-stream': ['--duration', '3'],
  'request-response': ['--timeout-ms', '1000'],
};

function runExample(name: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(root, 'examples', name, 'dist', 'main.js'), 'memory://', ...args],
      {
        cwd: root,
        env: { ...process.env, EVENTPORT_URL: 'memory://' },
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
      'payments',
      'request-response',
    ]),
  );
  expect(examples).not.toContain('support');
});

it.each(examples)('%s keeps its promise on memory://', async (name) => {
  const { code, output } = await runExample(name, ARGS[name] ?? []);
  if (code !== 0) console.log(output);
  expect(code).toBe(0);
  if (name !== 'orders') expect(output).toMatch(new RegExp(`^PASS ${name}`, 'm'));
});

it('payments catches the double charge when the worker skips its ledger reconciliation', async () => {
  const { code, output } = await runExample('payments', ['--skip-reconcile']);
  expect(output).toMatch(/FAIL nothing charged twice: pay-\d+/);
  expect(code).toBe(1);
});

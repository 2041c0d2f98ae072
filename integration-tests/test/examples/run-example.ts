/**
 * Shared by the examples suites (one test file per broker, so that each file's `@brokers` docblock
 * starts only its broker): runs an example (examples/<name>) as its own process from its built
 * output, with smaller sizes than its defaults, and checks that it kept its promise (exit code 0,
 * `PASS <name>`). An example that `require`s a guarantee the broker does not support exits with
 * code 3 after printing each missing guarantee with the reason from the broker's capability report
 * (`unsupported: <guarantee> — <why>`); that run is reported as skipped with those reasons, and
 * the reasons must be there. Which examples skip is never listed here: it comes from the report.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const EXIT_UNSUPPORTED = 3;
/** An example still running after this is killed (and fails). */
const RUN_LIMIT_MS = 110_000;
/** The jest timeout of one example run: above RUN_LIMIT_MS, so a stuck run fails with its output. */
export const EXAMPLE_TEST_TIMEOUT_MS = 120_000;

/** Sizes that keep each run to a few seconds on a real broker. */
export const EXAMPLE_ARGS: Readonly<Record<string, readonly string[]>> = {
  'fire-and-forget': ['--reports', '5', '--reviews', '3', '--work-ms', '100'],
  payments: ['--payments', '60'],
  'iot-stream': ['--duration', '3', '--devices', '200', '--rate', '500'],
  'anomaly-detection': ['--devices', '20', '--readings', '40', '--anomalies', '5'],
  broadcast: ['--services', '3', '--changes', '3'],
  'load-levelling': ['--events', '2000', '--work-ms', '1'],
  'request-response': ['--requests', '20', '--timeout-ms', '3000'],
};

/** Every pattern example. */
export const ALL_EXAMPLES = Object.keys(EXAMPLE_ARGS);

export interface ExampleRun {
  readonly code: number | null;
  readonly output: string;
}

/** Runs examples/<name> on `url`; `env` is added to the child's environment (e.g. a storage connection string). */
export function runExample(name: string, url: string, env: NodeJS.ProcessEnv = {}): Promise<ExampleRun> {
  const main = path.join(root, 'examples', name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc --build)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, url, ...(EXAMPLE_ARGS[name] ?? [])], {
      cwd: root,
      env: { ...process.env, EVENTPORT_LOG_LEVEL: 'error', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Runs the example and expects it to keep its promise, or to skip with the capability report's reasons. */
export async function expectPromiseKept(
  name: string,
  url: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const { code, output } = await runExample(name, url, env);
  if (code === EXIT_UNSUPPORTED) {
    const reasons = output
      .split('\n')
      .filter((l) => l.trim().startsWith('unsupported:'))
      .map((l) => l.trim());
    expect(reasons.length).toBeGreaterThan(0);
    console.log(`skipped ${name}: ${reasons.join('; ')}`);
    return;
  }
  if (code !== 0) console.log(output);
  expect(code).toBe(0);
  expect(output).toMatch(new RegExp(`^PASS ${name}`, 'm'));
}

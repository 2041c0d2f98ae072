/**
 * Shared by the examples suites (one test file per broker, so that each file's `@brokers` docblock
 * starts only its broker): runs an example (examples/<name>) as its own process from its built
 * output, with smaller sizes than its defaults, and checks the outcome the README's examples table
 * states for that broker (see {@link Expected}): it kept its promise (exit code 0, `PASS <name>`),
 * or it could not run because the broker lacks a guarantee it `require`s — exit code 3 after
 * printing each missing guarantee with the reason from the broker's capability report
 * (`unsupported: <guarantee> — <why>`). A skip is accepted only where it is expected, and only
 * for exactly the expected guarantees; an example that runs where a skip was expected fails too
 * (the table would be wrong). The reasons printed are the capability report's, never this file's.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const EXIT_UNSUPPORTED = 3;
/** An example still running after this is killed (and fails). */
const RUN_LIMIT_MS = 110_000;
/** The jest timeout of one example run: above RUN_LIMIT_MS, so a stuck run fails with its output. */
export const EXAMPLE_TEST_TIMEOUT_MS = 120_000;

/**
 * Sizes that keep each run to a few seconds on a real broker. load-levelling runs 2,000 events
 * here, not its 50,000-event default burst (its README says so and gives both run times).
 */
export const EXAMPLE_ARGS: Readonly<Record<string, readonly string[]>> = {
  'fire-and-forget': ['--reports', '5', '--reviews', '3', '--work-ms', '100'],
  payments: ['--payments', '60'],
  'iot-stream': ['--duration', '3', '--devices', '200', '--rate', '500'],
  'anomaly-detection': ['--devices', '20', '--readings', '40', '--anomalies', '5'],
  broadcast: ['--services', '3', '--changes', '3'],
  'load-levelling': ['--events', '2000', '--work-ms', '1'],
  'request-response': ['--requests', '20', '--timeout-ms', '3000'],
  orders: [],
  'push-consumer': [],
};

/** Every example (examples.test.ts checks that this is every runnable workspace under examples/). */
export const ALL_EXAMPLES = Object.keys(EXAMPLE_ARGS);

/** The runnable examples on disk: workspaces under examples/ except a shared library (examples/support). */
export function examplesOnDisk(): string[] {
  const dir = path.join(root, 'examples');
  return readdirSync(dir)
    .filter((d) => existsSync(path.join(dir, d, 'package.json')))
    .filter((d) => {
      const pkg = JSON.parse(readFileSync(path.join(dir, d, 'package.json'), 'utf8')) as {
        eventport?: { exampleLibrary?: boolean };
      };
      return pkg.eventport?.exampleLibrary !== true;
    });
}

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

/**
 * What the README's examples table says an example does on one broker:
 * - `'kept'`: it runs and keeps its promise (exit 0, `PASS <name> (<seconds> s)`);
 * - `{ unsupported }`: it cannot run; exit 3 naming exactly these guarantees as unsupported, each
 *   with a reason;
 * - `{ refused }`: it runs and its promise there is the refusal (broadcast without fan-out: the
 *   consumers are refused at creation; exit 0, `PASS <name> (refused: …)`, naming the guarantee).
 */
export type Expected = 'kept' | { readonly unsupported: readonly string[] } | { readonly refused: string };

/** One example run of a suite: `title` (for `it.each(…)('$title', …)`) says what is expected. */
export interface ExampleCase {
  readonly name: string;
  readonly expected: Expected;
  readonly title: string;
}

/** On a pull-only broker (every one but Event Grid basic topics) push-consumer cannot run. */
export const PULL_ONLY: Readonly<Record<string, Expected>> = { 'push-consumer': { unsupported: ['push'] } };

/** Every example's case on a broker (kept, except those given), or only the `names` given. */
export function expectations(
  exceptions: Readonly<Record<string, Expected>> = {},
  names: readonly string[] = ALL_EXAMPLES,
): ExampleCase[] {
  for (const name of [...Object.keys(exceptions), ...names])
    if (!ALL_EXAMPLES.includes(name)) throw new Error(`no example "${name}"`);
  return names.map((name) => {
    const expected = exceptions[name] ?? 'kept';
    return { name, expected, title: `${name} ${describeExpected(expected)}` };
  });
}

function describeExpected(expected: Expected): string {
  if (expected === 'kept') return 'keeps its promise';
  if ('refused' in expected) return `refuses (no ${expected.refused}), as its promise`;
  return `cannot run: exit 3, no ${expected.unsupported.join(', no ')}`;
}

/** Runs the example and checks the outcome the README's table states for this broker. */
export async function expectOutcome(
  { name, expected }: ExampleCase,
  url: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  const { code, output } = await runExample(name, url, env);
  const unsupported = [...output.matchAll(/^\s*unsupported: (\S+) — (.*\S.*)$/gm)];
  if (code === EXIT_UNSUPPORTED)
    console.log(`cannot run ${name} here: ${unsupported.map((m) => m[0].trim()).join('; ')}`);
  const failed = (what: string): Error =>
    new Error(`${name}: ${what}, exit code ${String(code)}; its output:\n${output}`);
  if (expected === 'kept') {
    if (code !== 0 || !new RegExp(`^PASS ${name} \\([\\d.]+ s\\)$`, 'm').test(output))
      throw failed(`expected exit 0 and "PASS ${name} (<seconds> s)"`);
  } else if ('refused' in expected) {
    if (code !== 0 || !new RegExp(`^PASS ${name} \\(refused`, 'm').test(output))
      throw failed(`expected exit 0 and "PASS ${name} (refused: …)"`);
    expect(output).toMatch(new RegExp(`${expected.refused} unsupported — \\S`));
  } else {
    if (code !== EXIT_UNSUPPORTED)
      throw failed(`expected exit ${EXIT_UNSUPPORTED} (no ${expected.unsupported.join(', no ')})`);
    expect(unsupported.map((m) => m[1]).sort()).toEqual([...expected.unsupported].sort());
  }
}

/**
 * The pattern examples (examples/<name>) on real brokers: Kafka, and SQS on ElasticMQ (standard
 * queues, and FIFO queues for the examples that need per-key order). Each example runs as its own
 * process from its built output, with smaller sizes than its defaults, and must keep its promise
 * (exit code 0). An example that `require`s a guarantee the broker does not support exits with
 * code 3 after printing the missing guarantees with the reasons from the broker's capability
 * report; that run is reported as skipped, with those reasons.
 *
 * @brokers kafka elasticmq
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { requireEnv } from '../support/env.js';

jest.setTimeout(120_000);

const root = path.resolve(__dirname, '..', '..', '..');
const EXIT_UNSUPPORTED = 3;

const kafka = (): string =>
  `kafka://${requireEnv('EVENTPORT_KAFKA_BROKERS')}?sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200`;
const sqs = (fifo: boolean): string =>
  `sqs://?endpoint=${encodeURIComponent(requireEnv('EVENTPORT_SQS_ENDPOINT'))}&waitTimeSeconds=1&fifo=${fifo}`;

/** Sizes that keep each run to a few seconds on a real broker. */
const ARGS: Record<string, string[]> = {
  'fire-and-forget': ['--reports', '5', '--reviews', '3', '--work-ms', '100'],
  payments: ['--payments', '60'],
  'iot-stream': ['--duration', '3', '--devices', '200', '--rate', '500'],
  'anomaly-detection': ['--devices', '20', '--readings', '40', '--anomalies', '5'],
  broadcast: ['--services', '3', '--changes', '3'],
  'load-levelling': ['--events', '2000', '--work-ms', '1'],
  'request-response': ['--requests', '20', '--timeout-ms', '3000'],
};

function runExample(name: string, url: string): Promise<{ code: number | null; output: string }> {
  const main = path.join(root, 'examples', name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build first (npx tsc --build)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, url, ...(ARGS[name] ?? [])], {
      cwd: root,
      env: { ...process.env, EVENTPORT_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function expectPromiseKept(name: string, url: string): Promise<void> {
  const { code, output } = await runExample(name, url);
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

const ALL = Object.keys(ARGS);

describe('on Kafka', () => {
  it.each(ALL)('%s', (name) => expectPromiseKept(name, kafka()));
});

describe('on SQS (ElasticMQ, standard queues)', () => {
  it.each(ALL)('%s', (name) => expectPromiseKept(name, sqs(false)));
});

describe('on SQS (ElasticMQ, FIFO queues)', () => {
  it.each(['iot-stream', 'anomaly-detection'])('%s', (name) => expectPromiseKept(name, sqs(true)));
});

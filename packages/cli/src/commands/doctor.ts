import { randomUUID } from 'node:crypto';
import {
  EventPortError,
  GUARANTEE_NAMES,
  adapterPackageFor,
  installedAdapters,
  connect,
  redactSecrets,
  registeredSchemes,
  type Broker,
  type Event,
  type Subscription,
} from '@eventport/core';
import { UsageError, expectPositionals, flag, int, parse } from '../args.js';
import { println, type CliIo } from '../io.js';
import { cliLogger } from './shared.js';

export const DOCTOR_HELP = `Usage: eventport doctor <url> [--timeout-ms MS]

Checks a broker URL step by step (URL, adapter, connection, capabilities, a
round trip through a temporary topic) and says what to fix. Exit code 1 when a
step fails.

Options:
  --timeout-ms MS   bound for each step (default 15000)
`;

interface Step {
  readonly ok: boolean;
  readonly name: string;
  readonly detail: string;
  readonly fix?: string;
}

export async function doctor(args: readonly string[], io: CliIo): Promise<number> {
  const p = parse('doctor', args, { 'timeout-ms': { type: 'string' } });
  if (flag(p, 'help')) {
    io.stdout.write(DOCTOR_HELP);
    return 0;
  }
  const [url] = expectPositionals(p, 'doctor', ['url']) as [string];
  const timeoutMs = int(p, 'timeout-ms', 'doctor') ?? 15_000;
  const steps: Step[] = [];
  const report = (s: Step): boolean => {
    steps.push(s);
    println(io.stdout, `${s.ok ? '✓' : '✗'} ${s.name.padEnd(12)} ${s.detail}`);
    if (s.fix !== undefined) println(io.stdout, `  fix: ${s.fix}`);
    return s.ok;
  };
  const shown = redactSecrets(url);

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(
      `"${shown}" is not a valid URL (expected scheme://…, e.g. memory:// or kafka://127.0.0.1:9092)`,
      'doctor',
    );
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  report({ ok: true, name: 'url', detail: `${shown} (scheme ${scheme})` });

  const pkg = adapterPackageFor(scheme);
  const declared = installedAdapters().some((a) => a.scheme === scheme);
  const adapterDetail = declared ? pkg : `${scheme} (registered)`;
  let broker: Broker;
  try {
    broker = await bounded(
      connect(url, { logger: cliLogger(io, flag(p, 'verbose')) }),
      timeoutMs,
      'connecting',
    );
  } catch (err) {
    const known = registeredSchemes().includes(scheme) || declared;
    if (err instanceof EventPortError && err.code === 'UNKNOWN_SCHEME') {
      report({
        ok: false,
        name: 'adapter',
        detail: `no adapter for ${scheme}:// is installed`,
        fix: `npm install ${pkg} (installed: ${installedAdapters()
          .map((a) => a.scheme)
          .join(', ')})`,
      });
      return 1;
    }
    if (known) report({ ok: true, name: 'adapter', detail: adapterDetail });
    report({ ok: false, name: 'connect', detail: describe(err), fix: fixFor(err) });
    return 1;
  }
  try {
    report({ ok: true, name: 'adapter', detail: adapterDetail });
    report({ ok: true, name: 'connect', detail: broker.toString() });
    const caps = broker.capabilities;
    const count = (level: string): number =>
      GUARANTEE_NAMES.filter((g) => caps.get(g).level === level).length;
    report({
      ok: true,
      name: 'capabilities',
      detail: `${caps.label}: ${count('native')} native, ${count('emulated')} emulated, ${count('unsupported')} unsupported (eventport capabilities --broker ${caps.broker})`,
    });
    await roundTrip(broker, timeoutMs, report);
  } finally {
    await bounded(broker.close(), timeoutMs, 'closing').catch(() => undefined);
  }
  const failed = steps.filter((s) => !s.ok).length;
  println(
    io.stdout,
    failed === 0 ? '\nall checks passed' : `\n${failed} check${failed === 1 ? '' : 's'} failed`,
  );
  return failed === 0 ? 0 : 1;
}

async function roundTrip(broker: Broker, timeoutMs: number, report: (s: Step) => boolean): Promise<void> {
  const topic = `eventport-doctor-${randomUUID().slice(0, 8)}`;
  let created = false;
  let sub: Subscription | undefined;
  try {
    try {
      await bounded(broker.createTopic(topic), timeoutMs, 'creating a topic');
      created = true;
    } catch (err) {
      if (!(err instanceof Error && /topic administration/.test(err.message))) throw err;
    }
    let resolveGot: (e: Event) => void = () => undefined;
    const got = new Promise<Event>((r) => (resolveGot = r));
    const from = broker.capabilities.supports('replay') ? 'earliest' : 'latest';
    sub = await bounded(
      broker.consumer(topic, { group: `doctor-${topic}`, from }).subscribe((e) => resolveGot(e)),
      timeoutMs,
      'subscribing',
    );
    const started = Date.now();
    const receipt = await bounded(
      broker
        .producer(topic)
        .send({ type: 'eventport.doctor', source: '/eventport/doctor', data: { probe: true } }),
      timeoutMs,
      'sending',
    );
    const e = await bounded(got, timeoutMs, 'receiving the probe event');
    if (e.id !== receipt.id) throw new Error(`received event ${e.id}, sent ${receipt.id}`);
    report({
      ok: true,
      name: 'round trip',
      detail: `sent and received a probe event through ${topic} in ${Date.now() - started} ms`,
    });
  } catch (err) {
    report({ ok: false, name: 'round trip', detail: describe(err), fix: fixFor(err) });
  } finally {
    await sub?.close({ drainTimeoutMs: 1_000 }).catch(() => undefined);
    if (created)
      await bounded(broker.deleteTopic(topic), timeoutMs, 'deleting the probe topic').catch(() => undefined);
  }
}

function describe(err: unknown): string {
  if (err instanceof EventPortError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** What to do about an error, by its portable code. */
export function fixFor(err: unknown): string {
  const code = err instanceof EventPortError ? err.code : err instanceof TimeoutError ? 'TIMEOUT' : undefined;
  switch (code) {
    case 'INVALID_CONFIG':
      return 'correct the URL or option named above';
    case 'BROKER_UNAVAILABLE':
      return 'is the broker running and reachable from here? check host, port, TLS and firewall';
    case 'TIMEOUT':
      return 'the broker did not answer in time: check that it is running, the address, and network latency (or raise --timeout-ms)';
    case 'AUTHENTICATION':
      return "check the credentials (the adapter reads its ecosystem's usual environment variables)";
    case 'AUTHORIZATION':
      return 'the credentials work but lack permission: grant produce/consume/admin rights on the topic';
    case 'TOPIC_NOT_FOUND':
      return 'create the topic first, or enable automatic topic creation on the broker';
    case 'UNSUPPORTED_GUARANTEE':
      return 'the broker cannot give a guarantee this configuration asks for: see eventport capabilities';
    default:
      return 'run again with --verbose for details';
  }
}

class TimeoutError extends Error {}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * One command for every benchmark that can run here: the embedded broker always; Kafka, SQS
 * (ElasticMQ), Pub/Sub, Event Hubs and Event Grid (namespace pull) when their broker answers on loopback (a contender that
 * cannot run is skipped with the reason printed and recorded). Writes one machine-readable file
 * (default bench/results.json) so that a regression shows up as a diff.
 *
 * Usage (from the repository root, after `npx tsc --build`):
 *   npm run bench -- all                  every contender, default sizes
 *   npm run bench -- memory kafka         just these
 *   node bench/dist/run-all.js all --quick --out=/tmp/r.json   seconds-long smoke (tiny counts)
 *
 * Broker benchmarks run as child processes (their own CPU and memory figures); their Markdown
 * tables are parsed into rows. The memory benchmark returns its structured result.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryTable, runMemoryBench, type MemoryBenchResult } from './memory-bench.js';
import { parseMarkdownTables, type Table } from './markdown-tables.js';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = path.resolve(DIST, '..', 'results.json');

export type ContenderName = 'memory' | 'kafka' | 'sqs' | 'pubsub' | 'eventhubs' | 'eventgrid';
export const CONTENDERS: readonly ContenderName[] = [
  'memory',
  'kafka',
  'sqs',
  'pubsub',
  'eventhubs',
  'eventgrid',
];

export type ContenderOutcome =
  | { status: 'ran'; seconds: number; memory: MemoryBenchResult }
  | { status: 'ran'; seconds: number; args: string[]; tables: Table[]; lines: string[] }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; seconds: number; reason: string };

export interface BenchResults {
  generatedAt: string;
  node: string;
  cpus: number;
  /** 1-minute load average before and after the whole run. */
  loadAverage: [number, number];
  quick: boolean;
  contenders: Partial<Record<ContenderName, ContenderOutcome>>;
}

interface BrokerBench {
  script: string;
  /** host:port that must answer before the benchmark is worth starting. */
  address: string;
  args: (quick: boolean) => string[];
}

const hostPort = (url: string | undefined, fallback: string): string =>
  url === undefined ? fallback : url.replace(/^\w+:\/\//, '').split('/')[0]!;

const BROKER_BENCHES: Partial<Record<ContenderName, BrokerBench>> = {
  kafka: {
    script: 'kafka-bench.js',
    address: (process.env.EVENTPORT_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(
      ',',
    )[0]!,
    args: (quick) => (quick ? ['2000', '1'] : ['100000', '5']),
  },
  sqs: {
    script: 'sqs-bench.js',
    address: hostPort(
      process.env.EVENTPORT_SQS_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_SQS,
      '127.0.0.1:9324',
    ),
    args: (quick) => (quick ? ['500', '1'] : ['20000', '3']),
  },
  pubsub: {
    script: 'pubsub-bench.js',
    address: process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085',
    args: (quick) => (quick ? ['500', '1'] : ['20000', '3']),
  },
  eventhubs: {
    script: 'eventhubs-bench.js',
    address: '127.0.0.1:5672',
    args: (quick) => (quick ? ['500', '1'] : []),
  },
  eventgrid: {
    script: 'eventgrid-bench.js',
    address: hostPort(process.env.EVENTGRID_ENDPOINT, '127.0.0.1:6500'),
    args: (quick) => (quick ? ['500', '1'] : ['20000', '5']),
  },
};

/** Whether something accepts TCP connections at host:port within `ms`. */
function answers(address: string, ms = 1_000): Promise<boolean> {
  const [host, port] = address.includes(':') ? address.split(':') : [address, '80'];
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port: Number(port) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function runBroker(name: ContenderName, quick: boolean): Promise<ContenderOutcome> {
  const bench = BROKER_BENCHES[name];
  if (bench === undefined) return { status: 'skipped', reason: `no EventPort benchmark for ${name} yet` };
  const script = path.join(DIST, bench.script);
  if (!existsSync(script))
    return { status: 'skipped', reason: `${bench.script} is not built (npx tsc --build)` };
  if (!(await answers(bench.address))) {
    return {
      status: 'skipped',
      reason: `no broker answers on ${bench.address} (npm run brokers -- up ${name === 'sqs' ? 'elasticmq' : name})`,
    };
  }
  const args = bench.args(quick);
  const started = performance.now();
  const out = spawnSync(process.execPath, ['--expose-gc', script, ...args], {
    encoding: 'utf8',
    timeout: quick ? 120_000 : 1_800_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (out.status !== 0) {
    const reason = `exit ${String(out.status ?? out.signal)}: ${(out.stderr || String(out.error ?? '')).trim().split('\n').slice(-3).join(' | ')}`;
    return { status: 'failed', seconds, reason };
  }
  process.stdout.write(out.stdout);
  // what is not a table (e.g. the Pub/Sub benchmark's "figure: raw median …, paired ratio …" lines)
  const lines = out.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('|'));
  return { status: 'ran', seconds, args, tables: parseMarkdownTables(out.stdout), lines };
}

function runMemory(quick: boolean): ContenderOutcome {
  const started = performance.now();
  const memory = runMemoryBench({
    events: quick ? 5_000 : 300_000,
    rounds: quick ? 1 : 3,
    retention: '0',
    concurrencies: [1, 64],
  });
  console.log(memoryTable(memory));
  return { status: 'ran', seconds: (performance.now() - started) / 1000, memory };
}

/** Runs the named contenders one after another (never in parallel: they would measure each other). */
export async function runAll(names: readonly ContenderName[], quick: boolean): Promise<BenchResults> {
  const loadBefore = loadavg()[0]!;
  const contenders: BenchResults['contenders'] = {};
  for (const name of names) {
    console.log(`\n## ${name}\n`);
    let outcome: ContenderOutcome;
    try {
      outcome = name === 'memory' ? runMemory(quick) : await runBroker(name, quick);
    } catch (err) {
      outcome = { status: 'failed', seconds: 0, reason: (err as Error).message };
    }
    if (outcome.status !== 'ran') console.log(`${name}: ${outcome.status}: ${outcome.reason}`);
    contenders[name] = outcome;
  }
  return {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: [loadBefore, loadavg()[0]!],
    quick,
    contenders,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const outArg = args.find((a) => a.startsWith('--out='));
  const out = outArg === undefined ? DEFAULT_OUT : path.resolve(outArg.slice('--out='.length));
  const asked = args.filter((a) => !a.startsWith('--'));
  const unknown = asked.filter((a) => a !== 'all' && !(CONTENDERS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown contender ${unknown.join(', ')}; known: all, ${CONTENDERS.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const names = asked.length === 0 || asked.includes('all') ? CONTENDERS : (asked as ContenderName[]);
  const results = await runAll(names, quick);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (Object.values(results.contenders).some((c) => c.status === 'failed')) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

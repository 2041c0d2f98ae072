/**
 * End to end through memory:// (send → handler → ack), 1 KB events, at
 * concurrency 1 and 64, against a bare async loop over an array doing the same
 * handler work (the floor of what JavaScript can do). See memory-contenders.ts.
 *
 * Paired rounds: each round runs the bare loop and EventPort back to back (order
 * alternating by round), each in a fresh child process, so that peak RSS and GC
 * time are the contender's own; the ratio is per round, reported as the median.
 *
 * Usage: node bench/dist/memory-bench.js [events] [rounds] [--retention=0|MS|forever]
 *        [--concurrency=1,64] [--json=FILE]
 * (retention 0 = off, the default here). Prints a Markdown table; --json writes the result too.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt, median } from './stats.js';
import { runContender, type Contender, type ContenderResult } from './memory-contenders.js';

const SELF = fileURLToPath(import.meta.url);

export interface MemoryBenchOptions {
  events: number;
  rounds: number;
  /** The broker's `retentionMs`: '0' (off), a number of ms, or 'forever' (the broker's default). */
  retention: string;
  concurrencies: readonly number[];
}

export interface MemoryPair {
  concurrency: number;
  bare: ContenderResult[];
  eventport: ContenderResult[];
  /** Per round: EventPort events/s ÷ bare loop events/s. */
  ratios: number[];
  medianRatio: number;
  /** Per round: bare loop CPU per event ÷ EventPort CPU per event (the same ratio in CPU, not wall time). */
  cpuRatios: number[];
  medianCpuRatio: number;
}

export interface MemoryBenchResult {
  bench: 'memory';
  node: string;
  /** 1-minute load average before and after the run. */
  loadAverage: [number, number];
  options: MemoryBenchOptions;
  pairs: MemoryPair[];
}

/** Runs one contender in a child process (fresh heap: its own peak RSS and GC time). */
function inChild(
  contender: Contender,
  concurrency: number,
  events: number,
  retention: string,
): ContenderResult {
  const out = spawnSync(
    process.execPath,
    ['--expose-gc', SELF, '--child', contender, String(concurrency), String(events), retention],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (out.status !== 0) {
    throw new Error(
      `memory bench ${contender} c=${concurrency}: exit ${out.status}: ${out.stderr || String(out.error)}`,
    );
  }
  return JSON.parse(out.stdout.trim().split('\n').pop()!) as ContenderResult;
}

/** The paired rounds (synchronous: each contender runs in its own child process). */
export function runMemoryBench(options: MemoryBenchOptions): MemoryBenchResult {
  const loadBefore = loadavg()[0]!;
  const pairs: MemoryPair[] = options.concurrencies.map((concurrency) => ({
    concurrency,
    bare: [],
    eventport: [],
    ratios: [],
    medianRatio: NaN,
    cpuRatios: [],
    medianCpuRatio: NaN,
  }));
  for (let round = 0; round < options.rounds; round++) {
    for (const pair of pairs) {
      const run = (who: Contender): ContenderResult =>
        inChild(who, pair.concurrency, options.events, options.retention);
      let bare: ContenderResult;
      let ep: ContenderResult;
      if (round % 2 === 0) {
        bare = run('bare');
        ep = run('eventport');
      } else {
        ep = run('eventport');
        bare = run('bare');
      }
      pair.bare.push(bare);
      pair.eventport.push(ep);
      pair.ratios.push(ep.eventsPerSec / bare.eventsPerSec);
      pair.cpuRatios.push(bare.cpuUsPerEvent / ep.cpuUsPerEvent);
    }
  }
  for (const pair of pairs) {
    pair.medianRatio = median(pair.ratios);
    pair.medianCpuRatio = median(pair.cpuRatios);
  }
  return {
    bench: 'memory',
    node: process.version,
    loadAverage: [loadBefore, loadavg()[0]!],
    options,
    pairs,
  };
}

/** The result as a Markdown table (medians over rounds; ratios per round). */
export function memoryTable(r: MemoryBenchResult): string {
  const med = (xs: ContenderResult[], f: (x: ContenderResult) => number): number => median(xs.map(f));
  const lines = [
    `memory:// end to end, ${fmt(r.options.events)} events of 1 KB, retentionMs=${r.options.retention}, ` +
      `${r.options.rounds} paired rounds, node ${r.node}, load average ${r.loadAverage.map((x) => x.toFixed(1)).join(' → ')}`,
    '',
    '| contender | concurrency | events/s (median) | p50 ms | p99 ms | peak RSS MiB | heap kept MiB | GC ms (count) | EventPort / bare (per round) | median | CPU µs/event | bare CPU ÷ EventPort CPU (per round) | median |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | ---: |',
  ];
  for (const p of r.pairs) {
    for (const [name, xs] of [
      ['bare async loop', p.bare],
      ['EventPort memory://', p.eventport],
    ] as const) {
      const ratios = name === 'bare async loop' ? '' : p.ratios.map((x) => x.toFixed(2)).join(' ');
      const medianRatio = name === 'bare async loop' ? '' : `${p.medianRatio.toFixed(2)}x`;
      const cpuRatios = name === 'bare async loop' ? '' : p.cpuRatios.map((x) => x.toFixed(2)).join(' ');
      const medianCpuRatio = name === 'bare async loop' ? '' : `${p.medianCpuRatio.toFixed(2)}x`;
      lines.push(
        `| ${name} | ${p.concurrency} | ${fmt(med(xs, (x) => x.eventsPerSec))} | ${fmt(
          med(xs, (x) => x.p50Ms),
          2,
        )} | ` +
          `${fmt(
            med(xs, (x) => x.p99Ms),
            2,
          )} | ${fmt(med(xs, (x) => x.peakRssMiB))} | ${fmt(
            med(xs, (x) => x.retainedHeapMiB),
            1,
          )} | ` +
          `${fmt(med(xs, (x) => x.gcMs))} (${fmt(med(xs, (x) => x.gcCount))}) | ${ratios} | ${medianRatio} | ` +
          `${fmt(
            med(xs, (x) => x.cpuUsPerEvent),
            2,
          )} | ${cpuRatios} | ${medianCpuRatio} |`,
      );
    }
  }
  return lines.join('\n');
}

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : arg.slice(name.length + 3);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const [, who, c, n, retention] = args;
    const result = await runContender(who as Contender, Number(c), Number(n), retention!);
    console.log(JSON.stringify(result));
    return;
  }
  const positional = args.filter((a) => !a.startsWith('--'));
  const result = runMemoryBench({
    events: Number(positional[0] ?? 300_000),
    rounds: Number(positional[1] ?? 3),
    retention: option('retention', '0'),
    concurrencies: option('concurrency', '1,64').split(',').map(Number),
  });
  console.log(memoryTable(result));
  const json = option('json', '');
  if (json !== '') writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] === SELF) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

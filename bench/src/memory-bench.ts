/**
 * End to end through memory:// (send → handler → ack), 1 KB events, at
 * concurrency 1 and 64, against a bare async loop over an array doing the same
 * handler work (the floor of what JavaScript can do). Same process, same run.
 *
 * Usage: npm run bench  (or: node --expose-gc bench/dist/memory-bench.js [events])
 * Prints a Markdown table; figures go to bench/RESULTS.md.
 */
import { connect, createEvent, type Event } from '@eventport/core';
import '@eventport/memory';
import { fmt, gc, percentile, RssSampler, sortedCopy } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 500_000);
const PAYLOAD = new Uint8Array(1024).fill(7);
const SEND_BATCH = 1_000;
/** At most this many events sent and not yet handled (keeps latency about the pipeline, not a backlog). */
const WINDOW = 8_192;
/** One event in this many is timed end to end. */
const SAMPLE_EVERY = 16;

interface Result {
  name: string;
  concurrency: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  peakRssMiB: number;
}

/** The handler's work, identical in both contenders: touch the payload. */
let checksum = 0;
function work(event: Event): void {
  checksum = (checksum + (event.data as Uint8Array)[511]!) | 0;
}

function makeInputs(n: number): { source: string; type: string; data: Uint8Array }[] {
  return Array.from({ length: n }, () => ({ source: '/bench', type: 'bench.event', data: PAYLOAD }));
}

async function eventport(concurrency: number): Promise<Result> {
  gc();
  const rss = new RssSampler();
  const broker = await connect(`memory://bench-${concurrency}?partitions=4&retentionMs=1000`, {
    tracing: false,
  });
  const topic = 'bench';
  const sentAt = new Map<Event, number>();
  const latency: number[] = [];
  let handled = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let resumeProducer: (() => void) | undefined;
  const sub = await broker
    .consumer(topic, {
      group: 'g',
      concurrency,
      ordering: 'none',
      maxInFlight: Math.max(256, concurrency * 4),
    })
    .subscribe((event) => {
      work(event);
      const at = sentAt.get(event);
      if (at !== undefined) latency.push(performance.now() - at);
      if (++handled === EVENTS) resolveDone();
      if (resumeProducer !== undefined && sentCount - handled <= WINDOW / 2) {
        resumeProducer();
        resumeProducer = undefined;
      }
    });
  const producer = broker.producer(topic, { batch: { maxEvents: SEND_BATCH } });
  const inputs = makeInputs(SEND_BATCH);
  let sentCount = 0;
  const start = performance.now();
  while (sentCount < EVENTS) {
    if (sentCount - handled > WINDOW) await new Promise<void>((r) => (resumeProducer = r));
    const n = Math.min(SEND_BATCH, EVENTS - sentCount);
    const now = performance.now();
    const events = inputs.slice(0, n).map((input, k) => {
      const e = createEvent(input);
      if ((sentCount + k) % SAMPLE_EVERY === 0) sentAt.set(e, now);
      return e;
    });
    sentCount += n;
    await producer.send(events);
  }
  const timeout = setTimeout(() => {
    console.error(`timed out: ${handled} of ${EVENTS} events handled after 120 s`);
    process.exit(1);
  }, 120_000);
  await done;
  clearTimeout(timeout);
  const elapsed = performance.now() - start;
  await sub.close();
  await broker.close();
  const sorted = sortedCopy(Float64Array.from(latency));
  return {
    name: 'EventPort memory://',
    concurrency,
    eventsPerSec: (EVENTS / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    peakRssMiB: rss.stop(),
  };
}

/** The floor: events created the same way, pushed through `concurrency` async workers over an array. */
async function bareLoop(concurrency: number): Promise<Result> {
  gc();
  const rss = new RssSampler();
  const latency = new Float64Array(EVENTS);
  const start = performance.now();
  for (let base = 0; base < EVENTS; base += SEND_BATCH) {
    const n = Math.min(SEND_BATCH, EVENTS - base);
    const queue: { e: Event; at: number }[] = [];
    for (let k = 0; k < n; k++)
      queue.push({
        e: createEvent({ source: '/bench', type: 'bench.event', data: PAYLOAD }),
        at: performance.now(),
      });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const i = next++;
        const item = queue[i]!;
        await handlerLike(item.e);
        latency[base + i] = performance.now() - item.at;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const elapsed = performance.now() - start;
  const sorted = sortedCopy(latency);
  return {
    name: 'bare async loop',
    concurrency,
    eventsPerSec: (EVENTS / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    peakRssMiB: rss.stop(),
  };
}

async function handlerLike(e: Event): Promise<void> {
  work(e);
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const c of [1, 64]) {
    results.push(await bareLoop(c));
    results.push(await eventport(c));
  }
  console.log(`memory:// end to end, ${fmt(EVENTS)} events of 1 KB, node ${process.version}\n`);
  console.log(
    '| contender | concurrency | events/s | p50 latency (ms) | p99 latency (ms) | peak RSS (MiB) | vs bare loop |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    const floor = results.find((x) => x.name === 'bare async loop' && x.concurrency === r.concurrency)!;
    console.log(
      `| ${r.name} | ${r.concurrency} | ${fmt(r.eventsPerSec)} | ${fmt(r.p50Ms, 3)} | ${fmt(r.p99Ms, 3)} | ${fmt(r.peakRssMiB)} | ${fmt(r.eventsPerSec / floor.eventsPerSec, 2)}x |`,
    );
  }
  if (checksum === 42) console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

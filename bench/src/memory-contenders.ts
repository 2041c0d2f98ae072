/**
 * The two contenders of the memory benchmark, each run once per process (see
 * memory-bench.ts): EventPort end to end through memory://, and the bare async
 * loop that is its floor. Both create the same events with `createEvent` and run
 * the same handler body; events carry one shared 1 KB payload, so what the
 * broker keeps per event is its own overhead.
 */
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { connect, createEvent, type Event } from '@eventport/core';
import '@eventport/memory';
import { gc, percentile, sortedCopy } from './stats.js';

export type Contender = 'bare' | 'eventport';

export interface ContenderResult {
  contender: Contender;
  concurrency: number;
  events: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Peak resident set of the process (its whole life), MiB. */
  peakRssMiB: number;
  /** Heap still in use after the run and a full GC, before the broker closes, MiB (what it retains). */
  retainedHeapMiB: number;
  /** Garbage collections during the run: count and total pause, ms. */
  gcCount: number;
  gcMs: number;
  /**
   * Process CPU time (user + system, every thread: GC helpers included) over the same span
   * as the rate, per event, µs. Less sensitive than the rate to other processes on the machine.
   */
  cpuUsPerEvent: number;
}

const PAYLOAD = new Uint8Array(1024).fill(7);
const SEND_BATCH = 1_000;
/** At most this many events sent and not yet handled (latency measures the pipeline, not a backlog). */
const WINDOW = 8_192;
/** One event in this many is timed end to end. */
const SAMPLE_EVERY = 16;
const TIMEOUT_MS = 240_000;

/** The handler's work, identical in both contenders: touch the payload. */
let checksum = 0;
function work(event: Event): void {
  checksum = (checksum + (event.data as Uint8Array)[511]!) | 0;
}

interface Timed {
  eventsPerSec: number;
  /** CPU µs (user + system) over the timed span. */
  cpuUs: number;
  latency: Float64Array;
  retainedHeapMiB: number;
}

/** Process CPU time so far, µs (user + system). */
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Heap in use after a full collection, MiB. */
function retainedHeap(): number {
  gc();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

async function eventport(concurrency: number, events: number, retention: string): Promise<Timed> {
  const retentionQuery = retention === 'forever' ? '' : `&retentionMs=${retention}`;
  const broker = await connect(`memory://bench-${concurrency}?partitions=4${retentionQuery}`, {
    tracing: false,
  });
  const sentAt = new Map<Event, number>();
  const latency: number[] = [];
  let handled = 0;
  let sentCount = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let resumeProducer: (() => void) | undefined;
  const sub = await broker
    .consumer('bench', {
      group: 'g',
      concurrency,
      ordering: 'none',
      maxInFlight: Math.max(256, concurrency * 4),
    })
    .subscribe((event) => {
      work(event);
      const at = sentAt.get(event);
      if (at !== undefined) {
        latency.push(performance.now() - at);
        sentAt.delete(event);
      }
      if (++handled === events) resolveDone();
      if (resumeProducer !== undefined && sentCount - handled <= WINDOW / 2) {
        resumeProducer();
        resumeProducer = undefined;
      }
    });
  const producer = broker.producer('bench', { batch: { maxEvents: SEND_BATCH } });
  const input = { source: '/bench', type: 'bench.event', data: PAYLOAD };
  const timeout = setTimeout(() => {
    console.error(`timed out: ${handled} of ${events} events handled after ${TIMEOUT_MS} ms`);
    process.exit(1);
  }, TIMEOUT_MS);
  const cpuStart = cpuNow();
  const start = performance.now();
  while (sentCount < events) {
    if (sentCount - handled > WINDOW) await new Promise<void>((r) => (resumeProducer = r));
    const n = Math.min(SEND_BATCH, events - sentCount);
    const now = performance.now();
    const batch: Event[] = new Array<Event>(n);
    for (let k = 0; k < n; k++) {
      const e = createEvent(input);
      if ((sentCount + k) % SAMPLE_EVERY === 0) sentAt.set(e, now);
      batch[k] = e;
    }
    sentCount += n;
    await producer.send(batch);
  }
  await done;
  const elapsed = performance.now() - start;
  const cpuUs = cpuNow() - cpuStart;
  clearTimeout(timeout);
  const retainedHeapMiB = retainedHeap();
  await sub.close();
  await broker.close();
  return {
    eventsPerSec: (events / elapsed) * 1000,
    cpuUs,
    latency: Float64Array.from(latency),
    retainedHeapMiB,
  };
}

/** The floor: events created the same way, pushed through `concurrency` async workers over an array. */
async function bareLoop(concurrency: number, events: number): Promise<Timed> {
  const latency = new Float64Array(Math.ceil(events / SAMPLE_EVERY));
  const input = { source: '/bench', type: 'bench.event', data: PAYLOAD };
  const cpuStart = cpuNow();
  const start = performance.now();
  for (let base = 0; base < events; base += SEND_BATCH) {
    const n = Math.min(SEND_BATCH, events - base);
    const queue: { e: Event; at: number }[] = [];
    const now = performance.now();
    for (let k = 0; k < n; k++) queue.push({ e: createEvent(input), at: now });
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const i = next++;
        const item = queue[i]!;
        await handlerLike(item.e);
        if ((base + i) % SAMPLE_EVERY === 0) latency[(base + i) / SAMPLE_EVERY] = performance.now() - item.at;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const eventsPerSec = (events / (performance.now() - start)) * 1000;
  const cpuUs = cpuNow() - cpuStart;
  return { eventsPerSec, cpuUs, latency, retainedHeapMiB: retainedHeap() };
}

async function handlerLike(e: Event): Promise<void> {
  work(e);
}

/** Runs one contender in this process and measures it. */
export async function runContender(
  contender: Contender,
  concurrency: number,
  events: number,
  retention: string,
): Promise<ContenderResult> {
  gc();
  let gcCount = 0;
  let gcMs = 0;
  const count = (entries: readonly PerformanceEntry[]): void => {
    for (const entry of entries) {
      gcCount++;
      gcMs += entry.duration;
    }
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const timed =
    contender === 'bare'
      ? await bareLoop(concurrency, events)
      : await eventport(concurrency, events, retention);
  await new Promise((r) => setImmediate(r));
  count(observer.takeRecords()); // entries not delivered yet (a loop that never yielded gets them all here)
  observer.disconnect();
  const sorted = sortedCopy(timed.latency);
  if (checksum === 42) console.error('');
  return {
    contender,
    concurrency,
    events,
    eventsPerSec: timed.eventsPerSec,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    retainedHeapMiB: timed.retainedHeapMiB,
    gcCount,
    gcMs,
    cpuUsPerEvent: timed.cpuUs / events,
  };
}

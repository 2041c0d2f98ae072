/**
 * Long-lived consumer leak check of a real adapter (issue 16): one connection and one subscription
 * handle `events` events sent through the same connection; the heap after a forced GC at the end
 * exceeds the heap after the warm-up by less than a stated bound, the live handles while it runs
 * do not grow, and closing the subscription and the connection leaves no timer, socket or child
 * process behind (`process.getActiveResourcesInfo()`).
 *
 * Bounded in count and time: the producer runs at most `window` events ahead of the consumer; the
 * run stops at `maxMs`. In CI every event must arrive within that time; under
 * `EVENTPORT_LEAK_FULL=1` a run the broker cannot finish in time reports how many it moved (the
 * figure recorded is what was run). What the test itself keeps grows with nothing: one byte per
 * asked event, allocated before the baseline.
 *
 * The subscription and the connection are closed in `finally`, so a failure cannot keep jest alive.
 */
import type { Broker, ConsumerOptions, EventInput } from '@eventport/core';
import { heapAfterGc, liveHandles, total } from './leak-cycles.js';

export interface LongLivedSetup {
  connect(): Promise<Broker>;
  readonly topic: string;
  readonly consumer: ConsumerOptions;
  /** Events per `send` call. */
  readonly batch: number;
  /** How far the producer may run ahead of the consumer (events). */
  readonly window: number;
}

export interface LongLivedResult {
  readonly asked: number;
  readonly sent: number;
  readonly received: number;
  readonly duplicates: number;
  readonly stoppedBy: 'count' | 'time';
  readonly seconds: number;
  readonly eventsPerS: number;
  /** Heap after GC once the warm-up events were handled, and at every tenth of the run (MiB). */
  readonly heapMiB: readonly number[];
  readonly heapGrowthBytes: number;
  readonly handlesBefore: Record<string, number>;
  readonly handlesRunningStart: Record<string, number>;
  readonly handlesRunningEnd: Record<string, number>;
  readonly handlesAfterClose: Record<string, number>;
}

/** How long one `send` may take before the run fails saying so (instead of jest's timeout). */
const SEND_BOUND_MS = 60_000;

async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what()} took over ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

function event(n: number): EventInput {
  return { id: `ll-${n}`, type: 'leak.long', source: '/eventport/leaks', key: `k${n % 8}`, data: { n } };
}

/** Runs the stream (see the file's comment); `warmUp` events first, outside the measure. */
export async function runLongLived(
  setup: LongLivedSetup,
  events: number,
  { maxMs, warmUp = 200, settleMs = 3_000 }: { maxMs: number; warmUp?: number; settleMs?: number },
): Promise<LongLivedResult> {
  const seen = new Uint8Array(warmUp + events);
  let received = 0;
  let duplicates = 0;
  let sent = 0;
  const handlesBefore = liveHandles();
  const heapMiB: number[] = [];
  let heapBaseline = 0;
  let heapEnd = 0;
  let handlesRunningStart: Record<string, number> = {};
  let handlesRunningEnd: Record<string, number> = {};
  let stoppedBy: 'count' | 'time' = 'count';
  let seconds = 0;
  const deadline = Date.now() + maxMs;
  const broker = await setup.connect();
  try {
    const sub = await broker.consumer(setup.topic, setup.consumer).subscribe((e) => {
      const n = (e.data as { n: number }).n;
      if (seen[n] === 1) duplicates++;
      else {
        seen[n] = 1;
        received++;
      }
    });
    try {
      const producer = broker.producer(setup.topic);
      const sendUpTo = async (goal: number, sampleEvery: number): Promise<void> => {
        let nextSample = sent + sampleEvery;
        while (sent < goal) {
          if (Date.now() > deadline) {
            stoppedBy = 'time';
            return;
          }
          if (sent - received >= setup.window) {
            await sleep(5);
            continue;
          }
          const n = Math.min(setup.batch, goal - sent);
          await within(
            producer.send(Array.from({ length: n }, (_, i) => event(sent + i))),
            SEND_BOUND_MS,
            () => `a send of ${n} events (after ${sent} sent, ${received} handled)`,
          );
          sent += n;
          if (sent >= nextSample) {
            nextSample += sampleEvery;
            heapMiB.push(mib(heapAfterGc()));
            process.stdout.write(
              `long-lived: ${sent} sent, ${received} handled, heap ${heapMiB.at(-1)} MiB\n`,
            );
          }
        }
      };
      const caughtUp = async (): Promise<void> => {
        while (received < sent && Date.now() < deadline + 30_000) await sleep(20);
      };
      await sendUpTo(warmUp, Number.POSITIVE_INFINITY);
      await caughtUp();
      heapBaseline = heapAfterGc();
      heapMiB.push(mib(heapBaseline));
      handlesRunningStart = liveHandles();
      const started = Date.now();
      await sendUpTo(warmUp + events, Math.max(setup.batch, Math.floor(events / 10)));
      await caughtUp();
      seconds = (Date.now() - started) / 1_000;
      await sleep(200); // a tick for the last acks' requests
      heapEnd = heapAfterGc();
      heapMiB.push(mib(heapEnd));
      handlesRunningEnd = liveHandles();
    } finally {
      await within(sub.close({ drainTimeoutMs: 2_000 }), 30_000, () => 'closing the subscription');
    }
  } finally {
    await within(broker.close(), 60_000, () => 'closing the connection');
  }
  const settled = Date.now() + settleMs;
  do await sleep(50);
  while (total(liveHandles()) > total(handlesBefore) && Date.now() < settled);
  const measured = sent - warmUp;
  return {
    asked: events,
    sent: Math.max(0, measured),
    received: Math.max(0, received - warmUp),
    duplicates,
    stoppedBy,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerS: seconds > 0 ? Math.round(measured / seconds) : 0,
    heapMiB,
    heapGrowthBytes: heapEnd - heapBaseline,
    handlesBefore,
    handlesRunningStart,
    handlesRunningEnd,
    handlesAfterClose: liveHandles(),
  };
}

/**
 * The assertions: every sent event handled (and, unless `allowShort`, every asked one sent), heap
 * growth under `heapBoundBytes`, live handles at the end of the run at most `handleSlack` more than
 * at its start (requests in flight at the moment taken), none left after close. Prints the figures.
 */
export function expectLongLivedBounded(
  r: LongLivedResult,
  {
    heapBoundBytes,
    handleSlack = 4,
    allowShort = false,
  }: { heapBoundBytes: number; handleSlack?: number; allowShort?: boolean },
): void {
  const shown = JSON.stringify(r);
  process.stdout.write(`long-lived consumer: ${shown}\n`);
  if (r.received < r.sent)
    throw new Error(`${r.sent - r.received} of ${r.sent} sent events never handled: ${shown}`);
  if (!allowShort && r.sent < r.asked)
    throw new Error(`only ${r.sent} of ${r.asked} events moved in time: ${shown}`);
  if (r.heapGrowthBytes >= heapBoundBytes)
    throw new Error(`heap grew by ${r.heapGrowthBytes} bytes (bound ${heapBoundBytes}): ${shown}`);
  if (total(r.handlesRunningEnd) > total(r.handlesRunningStart) + handleSlack)
    throw new Error(`live handles grew while the consumer ran: ${shown}`);
  if (total(r.handlesAfterClose) > total(r.handlesBefore))
    throw new Error(`handles left after close: ${shown}`);
}

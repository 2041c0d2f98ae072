/**
 * An infinite IoT stream.
 *  - Thousands of simulated devices send telemetry, keyed by device id, each with a sequence
 *    number; the producer paces itself to a target rate and waits for the broker's
 *    acknowledgements (its own backpressure).
 *  - The aggregator group folds readings into tumbling windows per device (event time) and emits
 *    a window when the device's next window starts. Per-key order is required: a window is only
 *    right if its device's readings arrive in order.
 *  - maxInFlight bounds what the consumer holds (received, not yet settled) whatever the backlog;
 *    every second the example prints throughput, lag (events behind, and age of the last event
 *    handled) and memory.
 * Runs for --duration seconds (0 = until Ctrl-C), then stops producing and drains.
 * Promise (exit code 0): every reading handled, per device in order, none lost (duplicates from a
 * redelivery are counted and skipped), in-flight events never above maxInFlight, every reading in
 * exactly one window.
 * Usage: node dist/main.js [url] [--duration S] [--devices N] [--rate EVENTS_PER_S] [--window-ms MS]
 */
import { connect, type Event } from '@eventport/core';
import {
  canRun,
  commandLine,
  ensureTopic,
  EXIT_UNSUPPORTED,
  numberOption,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';

/** What the aggregator needs, and why (see README). */
const REQUIRES = ['order.per-key', 'consume.at-least-once'];
const MAX_IN_FLIGHT = 512;

interface Reading {
  readonly device: string;
  readonly seq: number;
  /** Event time (ms since epoch). */
  readonly ts: number;
  readonly celsius: number;
}

interface Window {
  start: number;
  count: number;
  min: number;
  max: number;
  sum: number;
}

interface DeviceState {
  lastSeq: number;
  window: Window | undefined;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({
    duration: { type: 'string' },
    devices: { type: 'string' },
    rate: { type: 'string' },
    'window-ms': { type: 'string' },
  });
  const durationS = numberOption(values.duration, 'duration', 10);
  const deviceCount = numberOption(values.devices, 'devices', 5_000, 1);
  const rate = numberOption(values.rate, 'rate', 20_000, 1);
  const windowMs = numberOption(values['window-ms'], 'window-ms', 1_000, 1);
  const broker = await connect(url);
  console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
  if (!canRun(broker, REQUIRES)) {
    await broker.close();
    process.exitCode = EXIT_UNSUPPORTED;
    return;
  }
  const topic = `telemetry-${RUN_ID}`;
  await ensureTopic(broker, topic, 8);

  // The aggregator: tumbling windows per device.
  const devices = new Map<string, DeviceState>();
  let handled = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let windowsClosed = 0;
  let readingsInClosedWindows = 0;
  let lastEventTs = 0;
  let maxInFlightSeen = 0;
  /** Stores a finished window's aggregate (simulated: a millisecond's write). */
  const closeWindow = async (w: Window): Promise<void> => {
    await sleep(1);
    windowsClosed++;
    readingsInClosedWindows += w.count;
  };
  const sub = await broker
    .consumer(topic, {
      group: 'aggregator',
      from: 'earliest',
      require: REQUIRES,
      concurrency: 64,
      maxInFlight: MAX_IN_FLIGHT,
    })
    .subscribe(async (event: Event) => {
      const r = event.data as Reading;
      let state = devices.get(r.device);
      if (state === undefined) devices.set(r.device, (state = { lastSeq: 0, window: undefined }));
      if (r.seq <= state.lastSeq) {
        duplicates++; // a redelivery of a reading already counted
        return;
      }
      if (r.seq !== state.lastSeq + 1) outOfOrder++;
      state.lastSeq = r.seq;
      const start = r.ts - (r.ts % windowMs);
      if (state.window !== undefined && state.window.start !== start) {
        const finished = state.window;
        state.window = undefined;
        await closeWindow(finished); // same-key events wait: the next window starts after this one is stored
      }
      const w = (state.window ??= { start, count: 0, min: Infinity, max: -Infinity, sum: 0 });
      w.count++;
      w.min = Math.min(w.min, r.celsius);
      w.max = Math.max(w.max, r.celsius);
      w.sum += r.celsius;
      handled++;
      lastEventTs = r.ts;
    });

  // The devices: round-robin over device ids, paced to the target rate.
  const producer = broker.producer(topic, {
    delivery: 'at-least-once',
    batch: { maxEvents: 500, lingerMs: 5 },
  });
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  const durationTimer = durationS > 0 ? setTimeout(() => stop.abort(), durationS * 1000) : undefined;
  const seqs = new Array<number>(deviceCount).fill(0);
  let produced = 0; // acknowledged by the broker
  let issued = 0; // handed to the producer
  let next = 0;
  const producing = (async () => {
    const t0 = Date.now();
    const tickMs = 50;
    while (!stop.signal.aborted) {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate) - produced;
      if (due <= 0) {
        await sleep(tickMs);
        continue;
      }
      const batch = Array.from({ length: Math.min(due, 2_000) }, () => {
        const d = next++ % deviceCount;
        const seq = ++seqs[d]!;
        const device = `dev-${String(d).padStart(5, '0')}`;
        const reading: Reading = { device, seq, ts: Date.now(), celsius: 20 + 5 * Math.sin(seq / 10 + d) };
        return { type: 'telemetry.reading', source: '/iot/gateway', key: device, data: reading };
      });
      issued += batch.length;
      await producer.send(batch); // waits for the broker: a slow broker slows the devices down
      produced += batch.length;
      // Yield to the timers (the duration, the reports): where a send settles in microtasks
      // (memory://) and the devices fall behind the rate, this loop would otherwise never let
      // them run, and the stream would never stop.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();

  // Every 50 ms: what the consumer holds (received, not settled), against the bound.
  let peakThisSecond = 0;
  const watch = setInterval(() => {
    const st = sub.stats;
    const inFlight = st.received - st.handled - st.deadLettered - st.duplicatesSkipped;
    peakThisSecond = Math.max(peakThisSecond, inFlight);
    maxInFlightSeen = Math.max(maxInFlightSeen, inFlight);
  }, 50);
  // Once a second: throughput, lag, memory.
  let lastHandled = 0;
  let lastAt = Date.now();
  const report = setInterval(() => {
    const now = Date.now();
    const perS = ((handled - lastHandled) * 1000) / (now - lastAt);
    lastHandled = handled;
    lastAt = now;
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(
      `t=${((now - startedAt) / 1000).toFixed(0).padStart(3)}s  ${perS.toFixed(0).padStart(7)} ev/s  produced ${produced}  handled ${handled}  lag ${Math.max(0, issued - handled)} ev / ${lastEventTs > 0 ? now - lastEventTs : 0} ms  in flight ≤ ${peakThisSecond}/${MAX_IN_FLIGHT}  windows ${windowsClosed}  heap ${heap.toFixed(0)} MiB`,
    );
    peakThisSecond = 0;
  }, 1_000);

  await producing;
  clearTimeout(durationTimer);
  process.off('SIGINT', onSigint);
  console.log(`devices stopped after ${produced} readings; draining`);
  await waitUntil(() => handled >= produced, 60_000);
  clearInterval(report);
  clearInterval(watch);
  await sub.close({ drainTimeoutMs: 5_000 });
  await broker.close();
  let open = 0;
  for (const state of devices.values()) open += state.window?.count ?? 0;

  const v = new Verdict();
  v.check(produced > 0 && handled === produced, `every reading handled (${handled}/${produced})`);
  v.check(outOfOrder === 0, `per-device order kept (${outOfOrder} out of order)`);
  v.check(devices.size === Math.min(deviceCount, produced), `every device seen (${devices.size})`);
  v.check(
    maxInFlightSeen <= MAX_IN_FLIGHT,
    `in-flight events never above maxInFlight (peak ${maxInFlightSeen})`,
  );
  v.check(
    readingsInClosedWindows + open === handled,
    `every reading in exactly one window (${windowsClosed} closed)`,
  );
  if (duplicates > 0) console.log(`  (${duplicates} redelivered readings skipped)`);
  v.finish('iot-stream', startedAt);
}

run('iot-stream', main);

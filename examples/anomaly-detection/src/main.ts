/**
 * Anomaly detection on a telemetry stream.
 *  - Devices send readings keyed by device id: a per-device baseline plus Gaussian noise (seeded,
 *    so every run is the same), with a known set of seeded anomalies (spikes of many deviations).
 *  - The detector group keeps a running statistic per device — an exponentially weighted moving
 *    average and deviation (EWMA) — and flags a reading that lies more than THRESHOLD deviations
 *    away, publishing `sensor.anomaly` as part of handling the reading (ctx.send: published only if
 *    the handler succeeds). Per-key order is required: the statistic is a fold over the
 *    device's readings in order.
 *  - The alerting group, a second, independent consumer group, consumes the anomalies.
 * Promise (exit code 0): every seeded anomaly reaches the alerting group, and false alarms stay
 * within a small bound.
 * Usage: node dist/main.js [url] [--devices N] [--readings N_PER_DEVICE] [--anomalies N]
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

/** What the detector needs, and why (see README). */
const REQUIRES = ['order.per-key', 'consume.at-least-once'];
const ALPHA = 0.05;
const THRESHOLD = 6;
const WARM_UP = 30;

interface Reading {
  readonly device: string;
  readonly seq: number;
  readonly value: number;
}
interface Anomaly {
  readonly device: string;
  readonly seq: number;
  readonly value: number;
  readonly expected: number;
  readonly deviations: number;
}

/** A seeded PRNG (mulberry32) and a standard normal from it (Box–Muller). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** The readings of every device, and the (device, seq) of the seeded anomalies. */
function generate(
  devices: number,
  perDevice: number,
  anomalies: number,
): { readings: Reading[][]; seeded: Set<string> } {
  const rand = prng(17);
  const seeded = new Set<string>();
  while (seeded.size < anomalies) {
    const d = Math.floor(rand() * devices);
    const seq = WARM_UP + 1 + Math.floor(rand() * (perDevice - WARM_UP));
    seeded.add(`dev-${d}#${seq}`);
  }
  const readings = Array.from({ length: devices }, (_, d) => {
    const base = 15 + 10 * rand();
    const sd = 0.2 + rand();
    return Array.from({ length: perDevice }, (_, i) => {
      const seq = i + 1;
      const spike = seeded.has(`dev-${d}#${seq}`) ? (rand() < 0.5 ? -1 : 1) * (12 + 8 * rand()) * sd : 0;
      return { device: `dev-${d}`, seq, value: base + sd * normal(rand) + spike };
    });
  });
  return { readings, seeded };
}

/** EWMA of the value and of its squared deviation, per device. */
class Ewma {
  private mean = 0;
  private variance = 0;
  private n = 0;

  /** How many deviations `x` lies from the running mean (undefined while warming up). Outliers do not move the statistic. */
  score(x: number): number | undefined {
    this.n++;
    if (this.n === 1) {
      this.mean = x;
      return undefined;
    }
    const deviation = x - this.mean;
    const z = this.variance > 0 ? Math.abs(deviation) / Math.sqrt(this.variance) : 0;
    if (this.n > WARM_UP && z > THRESHOLD) return z;
    this.mean += ALPHA * deviation;
    this.variance = (1 - ALPHA) * (this.variance + ALPHA * deviation * deviation);
    return this.n > WARM_UP ? z : undefined;
  }

  get expected(): number {
    return this.mean;
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({
    devices: { type: 'string' },
    readings: { type: 'string' },
    anomalies: { type: 'string' },
  });
  const deviceCount = numberOption(values.devices, 'devices', 500, 1);
  const perDevice = numberOption(values.readings, 'readings', 100, WARM_UP + 10);
  const anomalyCount = numberOption(values.anomalies, 'anomalies', 40, 1);
  const broker = await connect(url);
  console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
  if (!canRun(broker, REQUIRES)) {
    await broker.close();
    process.exitCode = EXIT_UNSUPPORTED;
    return;
  }
  const telemetry = `sensors-${RUN_ID}`;
  const anomalies = `sensor-anomalies-${RUN_ID}`;
  await ensureTopic(broker, telemetry, 8);
  await ensureTopic(broker, anomalies);
  const { readings, seeded } = generate(
    deviceCount,
    perDevice,
    Math.min(anomalyCount, deviceCount * (perDevice - WARM_UP)),
  );
  const total = deviceCount * perDevice;

  // The detector: EWMA per device, sensor.anomaly out.
  const stats = new Map<string, Ewma>();
  const lastSeq = new Map<string, number>();
  let handled = 0;
  let outOfOrder = 0;
  const detector = await broker
    .consumer(telemetry, {
      group: 'detector',
      from: 'earliest',
      require: REQUIRES,
      concurrency: 32,
      maxInFlight: 512,
    })
    .subscribe(async (event: Event, ctx) => {
      const r = event.data as Reading;
      const last = lastSeq.get(r.device) ?? 0;
      if (r.seq <= last) return; // a redelivery: the statistic already has it
      if (r.seq !== last + 1) outOfOrder++;
      lastSeq.set(r.device, r.seq);
      let s = stats.get(r.device);
      if (s === undefined) stats.set(r.device, (s = new Ewma()));
      const expected = s.expected;
      const z = s.score(r.value);
      handled++;
      if (z !== undefined && z > THRESHOLD) {
        const anomaly: Anomaly = { device: r.device, seq: r.seq, value: r.value, expected, deviations: z };
        await ctx.send(anomalies, {
          id: `anomaly-${r.device}-${r.seq}`, // the same reading always makes the same anomaly id
          type: 'sensor.anomaly',
          source: '/iot/detector',
          key: r.device,
          data: anomaly,
        });
      }
    });

  // Alerting: a second group, on the anomalies.
  const alerts = new Map<string, Anomaly>();
  const alerting = await broker
    .consumer(anomalies, { group: 'alerting', from: 'earliest' })
    .subscribe((event: Event) => {
      const a = event.data as Anomaly;
      alerts.set(`${a.device}#${a.seq}`, a);
    });

  // The devices: interleaved, keyed by device id.
  const producer = broker.producer(telemetry, { delivery: 'at-least-once' });
  for (let seq = 0; seq < perDevice; seq += 10) {
    const batch = readings.flatMap((device) => device.slice(seq, seq + 10));
    await producer.send(
      batch.map((r) => ({ type: 'sensor.reading', source: '/iot/gateway', key: r.device, data: r })),
    );
  }
  console.log(`${deviceCount} devices sent ${total} readings with ${seeded.size} seeded anomalies`);
  await waitUntil(() => handled >= total, 90_000);
  await waitUntil(() => [...seeded].every((k) => alerts.has(k)), 15_000);
  await sleep(500); // late alerts, if any
  await detector.close({ drainTimeoutMs: 5_000 });
  await alerting.close({ drainTimeoutMs: 5_000 });
  await broker.close();

  const found = [...seeded].filter((k) => alerts.has(k));
  const falseAlarms = [...alerts.keys()].filter((k) => !seeded.has(k));
  for (const a of [...alerts.values()].slice(0, 5))
    console.log(
      `  alert ${a.device} #${a.seq}: ${a.value.toFixed(2)} vs ${a.expected.toFixed(2)} (${a.deviations.toFixed(1)} deviations)`,
    );
  if (alerts.size > 5) console.log(`  … ${alerts.size - 5} more`);
  const maxFalse = Math.max(2, Math.floor(total / 10_000));
  const v = new Verdict();
  v.check(handled === total, `every reading analysed (${handled}/${total})`);
  v.check(outOfOrder === 0, `per-device order kept (${outOfOrder} out of order)`);
  v.check(
    found.length === seeded.size,
    `every seeded anomaly found by the alerting group (${found.length}/${seeded.size})`,
  );
  v.check(falseAlarms.length <= maxFalse, `false alarms at most ${maxFalse} (${falseAlarms.length})`);
  v.finish('anomaly-detection', startedAt);
}

run('anomaly-detection', main);

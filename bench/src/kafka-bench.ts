/**
 * EventPort on Kafka vs raw kafkajs used well: same broker, same run, same records (1 KB value,
 * the same key, the CloudEvents `ce_` headers EventPort writes), same batch size (500 records per
 * produce request, one request in flight), same fetch settings, 4 partitions.
 *
 * Phases, run for both contenders back to back (raw first on even rounds, EventPort first on odd
 * ones) over `ROUNDS` rounds; medians are reported, and the ratio is the median of the per-round
 * ratios, so load from other processes on the machine hits both contenders of a pair alike:
 *   produce  — 100,000 events as fast as acks=all allows
 *   consume  — a new group reads those 100,000 events from the earliest offset (first to last event);
 *              the raw handler reads what EventPort hands a handler (the key and the ce_ attributes
 *              as strings, the value), and, as the floor, the value alone
 *   e2e      — a consumer runs while 100,000 events are sent at a steady 10,000 events/s; latency is
 *              handler time minus send time (a timestamp in the first 8 payload bytes)
 * Client CPU per event (user + system of this process) is reported too: it is steadier than rates
 * when other processes compete for the machine.
 *
 * Usage (from the repository root):
 *   npm run -w integration-tests brokers -- up kafka
 *   npx tsc --build && node --expose-gc bench/dist/kafka-bench.js [events] [rounds]
 * Broker: EVENTPORT_KAFKA_BROKERS, else KAFKA_BROKERS, else 127.0.0.1:9092.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type IHeaders, type Message } from 'kafkajs';
import { connect, silentLogger, type Broker } from '@eventport/core';
import '@eventport/kafka';
import { bounded, fmt, gc, median, pair, percentile, sortedCopy } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const BROKERS = process.env.EVENTPORT_KAFKA_BROKERS ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const PARTITIONS = 4;
const BATCH = 500;
const PAYLOAD_BYTES = 1024;
const KEYS = 64;
const E2E_RATE = 10_000; // events per second
const E2E_TICK_MS = 10;
const TIMEOUT_MS = 180_000;

/** A throughput phase: events per second and client CPU µs per event. */
interface Measured {
  rate: number;
  cpu: number;
}

interface Consuming extends Measured {
  stop: () => Promise<void>;
  done: Promise<void>;
}

interface Round {
  produce: Measured;
  consume: Measured;
  /** raw only: consume reading the value alone (no headers, no key) — the floor. */
  valueOnly?: Measured;
  p50: number;
  p99: number;
}

const kafka = new Kafka({ clientId: 'bench-raw', brokers: BROKERS.split(','), logLevel: logLevel.NOTHING });
let seq = 0;
const topicName = (what: string): string => `bench-${what}-${process.pid}-${++seq}`;

function payload(sentAt = 0): Uint8Array {
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  new DataView(bytes.buffer).setFloat64(0, sentAt);
  bytes.fill(7, 8);
  return bytes;
}
const PAYLOAD = payload();
const sentAtOf = (bytes: Uint8Array): number =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);

/** Client CPU (user + system) used so far, in µs. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

let checksum = 0;
/** The handler's work, identical for both contenders. */
function touch(bytes: Uint8Array): void {
  checksum = (checksum + bytes[PAYLOAD_BYTES - 1]!) | 0;
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
}

/** Counts handled events; notes time and CPU at the first and the last one. */
class Tally {
  handled = 0;
  private first = 0;
  private last = 0;
  private cpuFirst = 0;
  private cpuLast = 0;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  one(): void {
    if (this.handled++ === 0) {
      this.first = performance.now();
      this.cpuFirst = cpuMicros();
    }
    if (this.handled === EVENTS) {
      this.last = performance.now();
      this.cpuLast = cpuMicros();
      this.resolveDone();
    }
  }

  measured(): Measured {
    return { rate: (EVENTS / (this.last - this.first)) * 1000, cpu: (this.cpuLast - this.cpuFirst) / EVENTS };
  }
}

/** Sends EVENTS at E2E_RATE: every tick, the events due by then (one request per tick, like a service would). */
async function pace(send: (base: number, count: number) => Promise<void>): Promise<void> {
  const perTick = Math.round((E2E_RATE * E2E_TICK_MS) / 1000);
  const start = performance.now();
  for (let base = 0; base < EVENTS; base += perTick) {
    const due = start + (base / E2E_RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(base, Math.min(perTick, EVENTS - base));
  }
}

function latencies(latency: Float64Array): { p50: number; p99: number } {
  const sorted = sortedCopy(latency);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

// ---- raw kafkajs -------------------------------------------------------------------------------

/** The records a raw user writes to carry the same information: CloudEvents binary mode by hand. */
function rawMessage(i: number, data: Uint8Array): Message {
  return {
    key: `k${i % KEYS}`,
    value: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    headers: {
      ce_id: randomUUID(),
      ce_source: '/bench',
      ce_type: 'bench.event',
      ce_specversion: '1.0',
      ce_time: new Date().toISOString(),
      'content-type': 'application/octet-stream',
    },
  };
}

async function rawProduce(topic: string): Promise<Measured> {
  const producer = kafka.producer();
  await producer.connect();
  const start = performance.now();
  const cpu0 = cpuMicros();
  for (let base = 0; base < EVENTS; base += BATCH) {
    const n = Math.min(BATCH, EVENTS - base);
    const messages = Array.from({ length: n }, (_, k) => rawMessage(base + k, PAYLOAD));
    await producer.send({ topic, messages, acks: -1 });
  }
  const result = { rate: (EVENTS / (performance.now() - start)) * 1000, cpu: (cpuMicros() - cpu0) / EVENTS };
  await producer.disconnect();
  return result;
}

let attributeChars = 0;
/** What a raw consumer does to know what it got: the key and the ce_ headers as strings. */
function readAttributes(key: Buffer | null, headers: IHeaders | undefined): void {
  const h = headers ?? {};
  const text = (v: IHeaders[string]): string => (v === undefined ? '' : String(Array.isArray(v) ? v[0] : v));
  attributeChars +=
    (key?.toString('utf8').length ?? 0) +
    text(h.ce_id).length +
    text(h.ce_source).length +
    text(h.ce_type).length +
    text(h.ce_specversion).length +
    text(h.ce_time).length +
    text(h['content-type']).length;
}

/**
 * eachBatch, partitions consumed concurrently, each batch resolved once, and offsets committed at
 * most every 200 ms (EventPort's default commit interval) instead of after every batch, which is
 * what kafkajs' autoCommit does.
 */
async function rawConsume(
  topic: string,
  onEach?: (bytes: Uint8Array) => void,
  valueOnly = false,
): Promise<Consuming> {
  const consumer = kafka.consumer({ groupId: topicName('raw-group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const tally = new Tally();
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    autoCommit: false,
    autoCommitInterval: 200,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      for (const m of batch.messages) {
        const bytes = m.value!;
        // the information EventPort hands a handler: key and CloudEvents attributes as strings
        if (!valueOnly) readAttributes(m.key, m.headers);
        touch(bytes);
        onEach?.(bytes);
        tally.one();
      }
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  return consuming(tally, () => consumer.disconnect());
}

async function rawE2E(): Promise<{ p50: number; p99: number }> {
  const topic = topicName('raw-e2e');
  await createTopic(topic);
  const latency = new Float64Array(EVENTS);
  let n = 0;
  const consumer = await rawConsume(topic, (bytes) => (latency[n++] = performance.now() - sentAtOf(bytes)));
  const producer = kafka.producer();
  await producer.connect();
  await pace(async (base, count) => {
    const now = performance.now();
    const messages = Array.from({ length: count }, (_, k) => rawMessage(base + k, payload(now)));
    await producer.send({ topic, messages, acks: -1 });
  });
  await bounded(consumer.done, 'raw e2e', TIMEOUT_MS);
  await producer.disconnect();
  await consumer.stop();
  return latencies(latency);
}

// ---- EventPort ---------------------------------------------------------------------------------

function event(i: number, data: Uint8Array): { source: string; type: string; key: string; data: Uint8Array } {
  return { source: '/bench', type: 'bench.event', key: `k${i % KEYS}`, data };
}

async function epProduce(broker: Broker, topic: string): Promise<Measured> {
  const producer = broker.producer(topic, { batch: { maxEvents: BATCH } });
  const start = performance.now();
  const cpu0 = cpuMicros();
  for (let base = 0; base < EVENTS; base += BATCH) {
    const n = Math.min(BATCH, EVENTS - base);
    await producer.send(Array.from({ length: n }, (_, k) => event(base + k, PAYLOAD)));
  }
  const result = { rate: (EVENTS / (performance.now() - start)) * 1000, cpu: (cpuMicros() - cpu0) / EVENTS };
  await producer.close();
  return result;
}

async function epConsume(
  broker: Broker,
  topic: string,
  onEach?: (bytes: Uint8Array) => void,
): Promise<Consuming> {
  const tally = new Tally();
  const sub = await broker
    .consumer(topic, { group: topicName('ep-group'), from: 'earliest', maxInFlight: 2_000 })
    .subscribe((e) => {
      const bytes = e.data as Uint8Array;
      touch(bytes);
      onEach?.(bytes);
      tally.one();
    });
  return consuming(tally, () => sub.close());
}

async function epE2E(broker: Broker): Promise<{ p50: number; p99: number }> {
  const topic = topicName('ep-e2e');
  await broker.createTopic(topic);
  const latency = new Float64Array(EVENTS);
  let n = 0;
  const consumer = await epConsume(
    broker,
    topic,
    (bytes) => (latency[n++] = performance.now() - sentAtOf(bytes)),
  );
  const producer = broker.producer(topic, { batch: { maxEvents: BATCH } });
  await pace(async (base, count) => {
    const now = performance.now();
    await producer.send(Array.from({ length: count }, (_, k) => event(base + k, payload(now))));
  });
  await bounded(consumer.done, 'EventPort e2e', TIMEOUT_MS);
  await consumer.stop();
  await producer.close();
  return latencies(latency);
}

function consuming(tally: Tally, stop: () => Promise<void>): Consuming {
  const result: Consuming = { rate: 0, cpu: 0, stop, done: tally.done };
  void tally.done.then(() => Object.assign(result, tally.measured()));
  return result;
}

async function consumed(start: Promise<Consuming>): Promise<Measured> {
  const c = await start;
  await bounded(c.done, 'consume', TIMEOUT_MS);
  await c.stop();
  return { rate: c.rate, cpu: c.cpu };
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const raw: Round[] = [];
  const ep: Round[] = [];
  const broker = await connect(`kafka://${BROKERS}?partitions=${PARTITIONS}&maxWaitTimeMs=100`, {
    tracing: false,
    logger: silentLogger,
  });
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const rawTopic = topicName('raw');
      const epTopic = topicName('ep');
      await createTopic(rawTopic);
      await broker.createTopic(epTopic);
      const [rawProduced, epProduced] = await pair(
        r,
        () => bounded(rawProduce(rawTopic), 'raw produce', TIMEOUT_MS),
        () => bounded(epProduce(broker, epTopic), 'EventPort produce', TIMEOUT_MS),
      );
      const [rawConsumed, epConsumed] = await pair(
        r,
        () => consumed(rawConsume(rawTopic)),
        () => consumed(epConsume(broker, epTopic)),
      );
      gc();
      const valueOnly = await consumed(rawConsume(rawTopic, undefined, true));
      const [rawLatency, epLatency] = await pair(r, rawE2E, () => epE2E(broker));
      raw.push({ produce: rawProduced, consume: rawConsumed, valueOnly, ...rawLatency });
      ep.push({ produce: epProduced, consume: epConsumed, ...epLatency });
      console.error(`round ${r + 1}: raw ${JSON.stringify(raw.at(-1))}`);
      console.error(`round ${r + 1}: EventPort ${JSON.stringify(ep.at(-1))}`);
    }
  } finally {
    await broker.close();
  }

  /** name, raw's figure, EventPort's figure, digits, whether higher is better */
  const rows: [string, (r: Round) => number, (r: Round) => number, number, boolean][] = [
    ['produce (events/s, acks=all)', (r) => r.produce.rate, (r) => r.produce.rate, 0, true],
    [
      'consume (events/s): raw reads key + ce_ attributes + value',
      (r) => r.consume.rate,
      (r) => r.consume.rate,
      0,
      true,
    ],
    [
      'consume (events/s): raw reads the value only (floor)',
      (r) => r.valueOnly!.rate,
      (r) => r.consume.rate,
      0,
      true,
    ],
    [`end-to-end p50 at ${fmt(E2E_RATE)}/s (ms)`, (r) => r.p50, (r) => r.p50, 1, false],
    [`end-to-end p99 at ${fmt(E2E_RATE)}/s (ms)`, (r) => r.p99, (r) => r.p99, 1, false],
    ['client CPU per produced event (µs)', (r) => r.produce.cpu, (r) => r.produce.cpu, 1, false],
    [
      'client CPU per consumed event (µs): raw reads attributes',
      (r) => r.consume.cpu,
      (r) => r.consume.cpu,
      1,
      false,
    ],
    [
      'client CPU per consumed event (µs): raw reads the value only',
      (r) => r.valueOnly!.cpu,
      (r) => r.consume.cpu,
      1,
      false,
    ],
  ];
  console.log(
    `Kafka ${BROKERS}, ${fmt(EVENTS)} events of 1 KB, ${PARTITIONS} partitions, ${BATCH} per produce request, ` +
      `${ROUNDS} rounds (contenders alternate within each phase), node ${process.version}\n`,
  );
  console.log(
    '| figure | raw kafkajs (median) | EventPort (median) | ratio (median of rounds) | per round |',
  );
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const [name, rawOf, epOf, digits, higherIsBetter] of rows) {
    // the ratio always reads "above 1 = EventPort better": EventPort / raw for rates, raw / EventPort otherwise
    const ratios = raw.map((r, i) => (higherIsBetter ? epOf(ep[i]!) / rawOf(r) : rawOf(r) / epOf(ep[i]!)));
    console.log(
      `| ${name} | ${fmt(median(raw.map(rawOf)), digits)} | ${fmt(median(ep.map(epOf)), digits)} | ` +
        `${fmt(median(ratios), 2)}x | ${ratios.map((x) => fmt(x, 2)).join(' ')} |`,
    );
  }
  if (checksum === 42 && attributeChars === 42) console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

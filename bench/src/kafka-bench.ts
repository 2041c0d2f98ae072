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
import { fmt, gc, percentile, sortedCopy } from './stats.js';

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

interface Figures {
  produce: number; // events/s
  consume: number; // events/s
  /** raw only: consume reading the value alone (no headers, no key) — the floor. */
  consumeValueOnly?: number;
  p50: number; // ms
  p99: number; // ms
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

let checksum = 0;
/** The handler's work, identical for both contenders. */
function touch(bytes: Uint8Array): void {
  checksum = (checksum + bytes[PAYLOAD_BYTES - 1]!) | 0;
}

function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>(
      (_, reject) =>
        (timer = setTimeout(() => reject(new Error(`${what}: not within ${TIMEOUT_MS} ms`)), TIMEOUT_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
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

async function rawProduce(topic: string): Promise<number> {
  const producer = kafka.producer();
  await producer.connect();
  const start = performance.now();
  for (let base = 0; base < EVENTS; base += BATCH) {
    const n = Math.min(BATCH, EVENTS - base);
    const messages = Array.from({ length: n }, (_, k) => rawMessage(base + k, PAYLOAD));
    await producer.send({ topic, messages, acks: -1 });
  }
  const elapsed = performance.now() - start;
  await producer.disconnect();
  return (EVENTS / elapsed) * 1000;
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
): Promise<{ rate: number; stop: () => Promise<void>; done: Promise<void> }> {
  const consumer = kafka.consumer({ groupId: topicName('raw-group'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let handled = 0;
  let first = 0;
  let last = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
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
        if (handled++ === 0) first = performance.now();
        if (handled === EVENTS) {
          last = performance.now();
          resolveDone();
        }
      }
      resolveOffset(batch.lastOffset());
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  const result = { rate: 0, stop: () => consumer.disconnect(), done };
  void done.then(() => (result.rate = (EVENTS / (last - first)) * 1000));
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
  await bounded(consumer.done, 'raw e2e');
  await producer.disconnect();
  await consumer.stop();
  const sorted = sortedCopy(latency);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
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

// ---- EventPort ---------------------------------------------------------------------------------

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
  await bounded(consumer.done, 'EventPort e2e');
  await consumer.stop();
  await producer.close();
  const sorted = sortedCopy(latency);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function event(i: number, data: Uint8Array): { source: string; type: string; key: string; data: Uint8Array } {
  return { source: '/bench', type: 'bench.event', key: `k${i % KEYS}`, data };
}

async function epProduce(broker: Broker, topic: string): Promise<number> {
  const producer = broker.producer(topic, { batch: { maxEvents: BATCH } });
  const start = performance.now();
  for (let base = 0; base < EVENTS; base += BATCH) {
    const n = Math.min(BATCH, EVENTS - base);
    await producer.send(Array.from({ length: n }, (_, k) => event(base + k, PAYLOAD)));
  }
  const elapsed = performance.now() - start;
  await producer.close();
  return (EVENTS / elapsed) * 1000;
}

async function epConsume(
  broker: Broker,
  topic: string,
  onEach?: (bytes: Uint8Array) => void,
): Promise<{ rate: number; stop: () => Promise<void>; done: Promise<void> }> {
  let handled = 0;
  let first = 0;
  let last = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const sub = await broker
    .consumer(topic, { group: topicName('ep-group'), from: 'earliest', maxInFlight: 2_000 })
    .subscribe((e) => {
      const bytes = e.data as Uint8Array;
      touch(bytes);
      onEach?.(bytes);
      if (handled++ === 0) first = performance.now();
      if (handled === EVENTS) {
        last = performance.now();
        resolveDone();
      }
    });
  const result = { rate: 0, stop: () => sub.close(), done };
  void done.then(() => (result.rate = (EVENTS / (last - first)) * 1000));
  return result;
}

// ---- main --------------------------------------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs `first` then `second`, or the other way round on odd rounds (so drift favours neither). */
async function pair<T>(round: number, raw: () => Promise<T>, ep: () => Promise<T>): Promise<[T, T]> {
  gc();
  if (round % 2 === 0) {
    const a = await raw();
    gc();
    return [a, await ep()];
  }
  const b = await ep();
  gc();
  return [await raw(), b];
}

async function main(): Promise<void> {
  const raw: Figures[] = [];
  const ep: Figures[] = [];
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
        () => bounded(rawProduce(rawTopic), 'raw produce'),
        () => bounded(epProduce(broker, epTopic), 'EventPort produce'),
      );
      const consumeRate = async (
        start: Promise<{ rate: number; stop: () => Promise<void>; done: Promise<void> }>,
      ) => {
        const c = await start;
        await bounded(c.done, 'consume');
        await c.stop();
        return c.rate;
      };
      const [rawConsumed, epConsumed] = await pair(
        r,
        () => consumeRate(rawConsume(rawTopic)),
        () => consumeRate(epConsume(broker, epTopic)),
      );
      gc();
      const valueOnly = await consumeRate(rawConsume(rawTopic, undefined, true));
      const [rawLatency, epLatency] = await pair(r, rawE2E, () => epE2E(broker));
      raw.push({ produce: rawProduced, consume: rawConsumed, consumeValueOnly: valueOnly, ...rawLatency });
      ep.push({ produce: epProduced, consume: epConsumed, ...epLatency });
      console.error(`round ${r + 1}: raw ${JSON.stringify(raw.at(-1))}`);
      console.error(`round ${r + 1}: EventPort ${JSON.stringify(ep.at(-1))}`);
    }
  } finally {
    await broker.close();
  }
  const rows: [string, (f: Figures) => number, boolean, number][] = [
    ['produce (events/s, acks=all)', (f) => f.produce, true, 0],
    ['consume (events/s): raw reads key + ce_ attributes + value', (f) => f.consume, true, 0],
    ['consume (events/s): raw reads the value only (floor)', (f) => f.consumeValueOnly ?? f.consume, true, 0],
    [`end-to-end p50 at ${fmt(E2E_RATE)}/s (ms)`, (f) => f.p50, false, 1],
    [`end-to-end p99 at ${fmt(E2E_RATE)}/s (ms)`, (f) => f.p99, false, 1],
  ];
  console.log(
    `Kafka ${BROKERS}, ${fmt(EVENTS)} events of 1 KB, ${PARTITIONS} partitions, ${BATCH} per produce request, ` +
      `${ROUNDS} rounds (contenders alternate within each phase), node ${process.version}\n`,
  );
  console.log(
    '| figure | raw kafkajs (median) | EventPort (median) | EventPort / raw (median of rounds) | per round |',
  );
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const [name, get, higherIsBetter, digits] of rows) {
    const ratios = raw.map((r, i) => {
      const e = i < ep.length ? get(ep[i]!) : NaN;
      // for "consume, value only" EventPort's figure is its normal consume rate
      const epValue = name.includes('value only') ? ep[i]!.consume : e;
      return higherIsBetter ? epValue / get(r) : get(r) / epValue;
    });
    const epMedian = median(ep.map((f) => (name.includes('value only') ? f.consume : get(f))));
    console.log(
      `| ${name} | ${fmt(median(raw.map(get)), digits)} | ${fmt(epMedian, digits)} | ${fmt(median(ratios), 2)}x | ${ratios.map((x) => fmt(x, 2)).join(' ')} |`,
    );
  }
  if (checksum === 42 && attributeChars === 42) console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

/**
 * EventPort on Pub/Sub vs the raw @google-cloud/pubsub client, on Google's emulator: same server,
 * same run, same messages (a 1 KB JSON document with the CloudEvents attributes EventPort writes:
 * ce-id, ce-source, ce-type, ce-specversion, ce-time, content-type), same batching.
 *
 * Phases, per contender, alternating raw / EventPort over `ROUNDS` rounds (paired; best and
 * median reported):
 *   produce — 20,000 events into a topic with one subscription
 *   consume — that subscription drained (first to last event); each handler reads the attributes
 *             and parses the JSON body, and the message is acknowledged
 *
 * The raw client used well: publishMessage for every event, batching of 500 messages / 1 MiB /
 * 10 ms (EventPort's default batch is 500 events, 1 MiB), no ordering keys, all publishes in
 * flight at once; StreamingPull with flow control of 1,000 outstanding messages (EventPort:
 * maxInFlight 1,000 with concurrency 250).
 *
 * Usage (from the repository root):
 *   npm run -w integration-tests brokers -- up pubsub
 *   npx tsc --build bench && node --expose-gc bench/dist/pubsub-bench.js [events] [rounds]
 * Server: PUBSUB_EMULATOR_HOST, else 127.0.0.1:8085.
 */
import { randomUUID } from 'node:crypto';
import { PubSub, type Message } from '@google-cloud/pubsub';
import { connect, silentLogger } from '@eventport/core';
import '@eventport/pubsub';
import { bounded, fmt, gc } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const HOST = process.env.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:8085';
const PROJECT = 'eventport-bench';
const BATCH = 500;
const IN_FLIGHT = 1_000;
const TIMEOUT_MS = 300_000;
process.env.METADATA_SERVER_DETECTION = 'none';

interface Figures {
  produce: number;
  consume: number;
  produceCpu: number;
  consumeCpu: number;
}

async function measured<T>(phase: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  const result = await phase();
  const used = process.cpuUsage(before);
  return [result, (used.user + used.system) / EVENTS];
}

function data(i: number): { seq: number; pad: string } {
  return { seq: i, pad: 'x'.repeat(1024 - 22 - String(i).length) };
}

let checksum = 0;
function touch(id: string, type: string, d: { seq: number; pad: string }): void {
  checksum = (checksum + id.length + type.length + d.seq + d.pad.length) | 0;
}

let seq = 0;
const name = (what: string): string => `bench-${what}-${process.pid}-${++seq}`;

function rawClient(): PubSub {
  return new PubSub({
    projectId: PROJECT,
    apiEndpoint: HOST,
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
}

async function raw(pubsub: PubSub): Promise<Figures> {
  const [topic] = await pubsub.createTopic(name('raw'));
  const [sub] = await topic.createSubscription(name('raw-sub'), { ackDeadlineSeconds: 30 });
  topic.setPublishOptions({
    batching: { maxMessages: BATCH, maxBytes: 1024 * 1024, maxMilliseconds: 10 },
    gaxOpts: { retry: null },
  });
  const [produceSeconds, produceCpu] = await measured(async () => {
    const start = performance.now();
    const pending: Promise<string>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      pending.push(
        topic.publishMessage({
          data: Buffer.from(JSON.stringify(data(i))),
          attributes: {
            'ce-specversion': '1.0',
            'ce-id': randomUUID(),
            'ce-source': '/bench',
            'ce-type': 'bench.event',
            'ce-time': new Date().toISOString(),
            'content-type': 'application/json',
          },
        }),
      );
    }
    await bounded(Promise.all(pending), 'raw produce', TIMEOUT_MS);
    return (performance.now() - start) / 1000;
  });
  const [consumeSeconds, consumeCpu] = await measured(async () => {
    const start = performance.now();
    let n = 0;
    await bounded(
      new Promise<void>((resolve) => {
        sub.setOptions({ flowControl: { maxMessages: IN_FLIGHT, allowExcessMessages: false } });
        sub.on('message', (m: Message) => {
          touch(m.attributes['ce-id']!, m.attributes['ce-type']!, JSON.parse(m.data.toString('utf8')));
          m.ack();
          if (++n === EVENTS) resolve();
        });
      }),
      'raw consume',
      TIMEOUT_MS,
    );
    return (performance.now() - start) / 1000;
  });
  await sub.close();
  await sub.delete();
  await topic.delete();
  return { produce: EVENTS / produceSeconds, consume: EVENTS / consumeSeconds, produceCpu, consumeCpu };
}

async function eventport(): Promise<Figures> {
  const broker = await connect(`pubsub://${PROJECT}?emulatorHost=${HOST}&ordering=false&retentionSeconds=0`, {
    logger: silentLogger,
    tracing: false,
  });
  const topic = name('ep');
  await broker.createTopic!(topic);
  // create the subscription before producing (Pub/Sub keeps messages for existing subscriptions)
  const consumer = broker.consumer(topic, {
    group: 'g',
    maxInFlight: IN_FLIGHT,
    concurrency: 250,
    ordering: 'none',
    leaseMs: 30_000,
  });
  let n = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  let start = 0;
  // opened and closed before producing: it only creates the subscription
  const sub = await consumer.subscribe(() => undefined);
  await sub.close();
  const producer = broker.producer(topic, {
    batch: { maxEvents: BATCH, maxBytes: 1024 * 1024, lingerMs: 10 },
  });
  const [produceSeconds, produceCpu] = await measured(async () => {
    const t0 = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
      sends.push(
        producer.send(
          Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, k) => ({
            type: 'bench.event',
            source: '/bench',
            data: data(i + k),
          })),
        ),
      );
    }
    await bounded(Promise.all(sends), 'EventPort produce', TIMEOUT_MS);
    return (performance.now() - t0) / 1000;
  });
  const [consumeSeconds, consumeCpu] = await measured(async () => {
    start = performance.now();
    const again = await broker
      .consumer(topic, {
        group: 'g',
        maxInFlight: IN_FLIGHT,
        concurrency: 250,
        ordering: 'none',
        leaseMs: 30_000,
      })
      .subscribe((e) => {
        touch(e.id, e.type, e.data as { seq: number; pad: string });
        if (++n === EVENTS) done();
      });
    await bounded(all, 'EventPort consume', TIMEOUT_MS);
    const seconds = (performance.now() - start) / 1000;
    await again.close({ drainTimeoutMs: 5_000 });
    return seconds;
  });
  await broker.deleteTopic!(topic);
  await broker.close();
  return { produce: EVENTS / produceSeconds, consume: EVENTS / consumeSeconds, produceCpu, consumeCpu };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const pubsub = rawClient();
const results: { raw: Figures; ep: Figures }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  gc();
  const rawFig = await raw(pubsub);
  gc();
  const epFig = await eventport();
  results.push({ raw: rawFig, ep: epFig });
  console.log(
    `round ${r + 1}: produce raw ${fmt(rawFig.produce)}/s EventPort ${fmt(epFig.produce)}/s; consume raw ${fmt(rawFig.consume)}/s EventPort ${fmt(epFig.consume)}/s; CPU µs/event produce ${fmt(rawFig.produceCpu, 1)} vs ${fmt(epFig.produceCpu, 1)}, consume ${fmt(rawFig.consumeCpu, 1)} vs ${fmt(epFig.consumeCpu, 1)}`,
  );
}
await pubsub.close();
const key = ['produce', 'consume', 'produceCpu', 'consumeCpu'] as const;
for (const k of key) {
  const ratios = results.map((x) => (k.endsWith('Cpu') ? x.raw[k] / x.ep[k] : x.ep[k] / x.raw[k]));
  console.log(
    `${k}: raw median ${fmt(median(results.map((x) => x.raw[k])), 1)}, EventPort median ${fmt(median(results.map((x) => x.ep[k])), 1)}, paired ratio (EventPort vs raw, >1 is better) ${ratios.map((x) => fmt(x, 2)).join(' · ')}`,
  );
}
console.log(`checksum ${checksum}`);

/**
 * EventPort on Event Grid namespace topics (pull) vs the raw `@azure/eventgrid-namespaces`
 * clients (EventGridSenderClient / EventGridReceiverClient), on the Event Grid emulator: same
 * server, same run, same events (1 KB JSON data in a structured CloudEvent: id, source, type,
 * time, datacontenttype), same batch sizes.
 *
 * Phases, per contender, alternating raw / EventPort over `ROUNDS` rounds (paired; medians and
 * the per-round ratios reported), each round on fresh topics with one event subscription that
 * exists before the first publish:
 *   produce — `EVENTS` events, `BATCH` per publish request, every request in flight at once
 *   consume — that subscription drained (first receive to last event handled); each handler
 *             reads id, type and the parsed JSON data; every event is acknowledged
 * Client CPU per event (`process.cpuUsage`, user + system) over the same window.
 *
 * The raw clients used well: one receive loop, `maxEvents` = 100 (the service's largest) and
 * `maxWaitTime` = 10 s (EventPort's default), each batch acknowledged with one
 * `acknowledgeEvents` call that is not awaited before the next receive (as EventPort's pump does
 * with maxInFlight 200: a batch is handled and acknowledged — acks gathered into one settle —
 * while the next receive of at most 100 is out). The raw clients keep their default retries (a keep-alive socket closed by the server while idle is retried; EventPort retries on its own level).
 *
 * Usage (from the repository root):
 *   npm run brokers -- up eventgrid
 *   npx tsc --build bench && node --expose-gc bench/dist/eventgrid-bench.js [events=20000] [rounds=3]
 * Emulator: EVENTGRID_ENDPOINT (default http://127.0.0.1:6500), key EVENTGRID_KEY (default the
 * emulator's eventport-dev-key).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
  type CloudEvent,
} from '@azure/eventgrid-namespaces';
import { connect, silentLogger } from '@eventport/core';
import '@eventport/eventgrid';
import { bounded, fmt, gc, median } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const ENDPOINT = process.env.EVENTGRID_ENDPOINT ?? 'http://127.0.0.1:6500';
const KEY = process.env.EVENTGRID_KEY ?? 'eventport-dev-key';
const BATCH = 100;
const MAX_EVENTS = 100;
const MAX_WAIT_S = 10;
const TIMEOUT_MS = 300_000;
const SUBSCRIPTION = 'bench';

interface Figures {
  produce: number;
  consume: number;
  produceCpu: number;
  consumeCpu: number;
}

type Data = { seq: number; pad: string };

async function measured(phase: () => Promise<void>): Promise<[number, number]> {
  const before = process.cpuUsage();
  const start = performance.now();
  await phase();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(before);
  return [EVENTS / seconds, (used.user + used.system) / EVENTS];
}

function data(i: number): Data {
  return { seq: i, pad: 'x'.repeat(1024 - 22 - String(i).length) };
}

let checksum = 0;
function touch(id: string, type: string, d: Data): void {
  checksum = (checksum + id.length + type.length + d.seq + d.pad.length) | 0;
}

let seq = 0;
const topicName = (who: string): string => `bench-${who}-${process.pid}-${++seq}`;

async function raw(): Promise<Figures> {
  const topic = topicName('raw');
  const credential = new AzureKeyCredential(KEY);
  // the SDK's default retries: a keep-alive socket the emulator closed while idle is retried
  const options = { allowInsecureConnection: ENDPOINT.startsWith('http:') };
  const sender = new EventGridSenderClient(ENDPOINT, credential, topic, options);
  const receiver = new EventGridReceiverClient(ENDPOINT, credential, topic, SUBSCRIPTION, options);
  // the emulator makes the subscription on first use: before publishing, so it gets every event
  await receiver.acknowledgeEvents(['eventport-probe']);
  const [produce, produceCpu] = await measured(async () => {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < EVENTS; i += BATCH) {
      const batch: CloudEvent<Data>[] = [];
      for (let k = i; k < Math.min(EVENTS, i + BATCH); k++) {
        batch.push({
          id: randomUUID(),
          source: '/bench',
          type: 'bench.event',
          time: new Date(),
          dataContentType: 'application/json',
          data: data(k),
        });
      }
      sends.push(sender.sendEvents(batch));
    }
    await bounded(Promise.all(sends), 'raw produce', TIMEOUT_MS);
  });
  const acks: Promise<unknown>[] = [];
  const [consume, consumeCpu] = await measured(async () => {
    let n = 0;
    const deadline = Date.now() + TIMEOUT_MS;
    while (n < EVENTS && Date.now() < deadline) {
      const { details } = await receiver.receiveEvents({ maxEvents: MAX_EVENTS, maxWaitTime: MAX_WAIT_S });
      const tokens: string[] = [];
      for (const d of details) {
        touch(d.event.id, d.event.type, d.event.data as Data);
        tokens.push(d.brokerProperties.lockToken);
      }
      n += details.length;
      if (tokens.length > 0) acks.push(receiver.acknowledgeEvents(tokens));
    }
    if (n < EVENTS) throw new Error(`raw consume: ${n} of ${EVENTS} events within ${TIMEOUT_MS} ms`);
  });
  await bounded(Promise.all(acks), 'raw acks', TIMEOUT_MS);
  return { produce, consume, produceCpu, consumeCpu };
}

async function eventport(): Promise<Figures> {
  const topic = topicName('ep');
  const broker = await connect(
    `eventgrid://${ENDPOINT.replace(/^\w+:\/\//, '')}/${topic}?key=${encodeURIComponent(KEY)}&maxWaitTime=${MAX_WAIT_S}`,
    { logger: silentLogger, tracing: false },
  );
  // maxInFlight two receives' worth: one batch handled and acknowledged while the next receive
  // is out, as the raw loop overlaps its acknowledge with the next receive (each receive still
  // asks for at most maxEvents = 100)
  const consumerOptions = {
    group: SUBSCRIPTION,
    maxInFlight: 2 * MAX_EVENTS,
    concurrency: MAX_EVENTS,
    ordering: 'none',
  } as const;
  try {
    // opened and closed before producing: the emulator makes the subscription on first use
    await (await broker.consumer(topic, consumerOptions).subscribe(() => undefined)).close();
    const producer = broker.producer(topic, { batch: { maxEvents: BATCH, lingerMs: 0 } });
    const [produce, produceCpu] = await measured(async () => {
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < EVENTS; i += BATCH) {
        const batch = [];
        for (let k = i; k < Math.min(EVENTS, i + BATCH); k++) {
          batch.push({ type: 'bench.event', source: '/bench', data: data(k) });
        }
        sends.push(producer.send(batch));
      }
      await bounded(Promise.all(sends), 'EventPort produce', TIMEOUT_MS);
    });
    let n = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    let sub: { close(options?: { drainTimeoutMs?: number }): Promise<void> } | undefined;
    const [consume, consumeCpu] = await measured(async () => {
      sub = await broker.consumer(topic, consumerOptions).subscribe((e) => {
        touch(e.id, e.type, e.data as Data);
        if (++n === EVENTS) done();
      });
      await bounded(all, 'EventPort consume', TIMEOUT_MS);
    });
    await sub?.close({ drainTimeoutMs: 5_000 });
    return { produce, consume, produceCpu, consumeCpu };
  } finally {
    await broker.close();
  }
}

/** For profiling one contender alone: EVENTGRID_BENCH_ONLY=raw or eventport (no ratios then). */
const ONLY = process.env.EVENTGRID_BENCH_ONLY;
if (ONLY !== undefined) {
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    console.log(ONLY, ONLY === 'raw' ? await raw() : await eventport());
  }
  process.exit(0);
}

const loadBefore = loadavg()[0]!;
const results: { raw: Figures; ep: Figures }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  gc();
  const rawFig = await raw();
  gc();
  const epFig = await eventport();
  results.push({ raw: rawFig, ep: epFig });
  console.log(
    `round ${r + 1}: produce raw ${fmt(rawFig.produce)}/s EventPort ${fmt(epFig.produce)}/s; consume raw ${fmt(rawFig.consume)}/s EventPort ${fmt(epFig.consume)}/s; CPU µs/event produce ${fmt(rawFig.produceCpu, 1)} vs ${fmt(epFig.produceCpu, 1)}, consume ${fmt(rawFig.consumeCpu, 1)} vs ${fmt(epFig.consumeCpu, 1)}`,
  );
}

const rows: [string, keyof Figures, string][] = [
  ['produce throughput', 'produce', 'events/s'],
  ['consume throughput', 'consume', 'events/s'],
  ['client CPU per produced event', 'produceCpu', 'µs'],
  ['client CPU per consumed event', 'consumeCpu', 'µs'],
];
console.log(
  `\nEvent Grid namespace (emulator ${ENDPOINT}), ${fmt(EVENTS)} x 1 KB, ${ROUNDS} paired rounds, batch ${BATCH}, maxEvents ${MAX_EVENTS}, maxWaitTime ${MAX_WAIT_S} s\n`,
);
console.log('| figure | raw (median) | EventPort (median) | paired ratio, median (per round) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, k, unit] of rows) {
  // ratio > 1 is better for EventPort: throughput EventPort/raw, CPU raw/EventPort
  const ratios = results.map((x) => (k.endsWith('Cpu') ? x.raw[k] / x.ep[k] : x.ep[k] / x.raw[k]));
  const digits = k.endsWith('Cpu') ? 1 : 0;
  console.log(
    `| ${label} (${unit}) | ${fmt(median(results.map((x) => x.raw[k])), digits)} | ${fmt(median(results.map((x) => x.ep[k])), digits)} | ${fmt(median(ratios), 2)}x (${ratios.map((x) => fmt(x, 2)).join(' · ')}) |`,
  );
}
console.log(
  `\nload average (1 min): ${fmt(loadBefore, 1)} before, ${fmt(loadavg()[0]!, 1)} after; checksum ${checksum}`,
);

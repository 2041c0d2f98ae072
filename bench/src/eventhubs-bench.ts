/**
 * EventPort on Event Hubs vs the raw @azure/event-hubs 6 client used well, on the Event Hubs
 * emulator: same emulator, same run, same events (1 KB of bytes with the CloudEvents AMQP binding's
 * `cloudEvents:` application properties and content type EventPort writes — the raw producer
 * builds them by hand), 4 partitions, checkpoints and ownership in Azurite for both consumers.
 *
 * Phases, run for both contenders back to back (raw first on even rounds, EventPort first on odd
 * ones) over `ROUNDS` rounds; medians are reported, and the ratio is the median of the per-round
 * ratios, read "above 1 = EventPort better" (EventPort ÷ raw for rates, raw ÷ EventPort for CPU):
 *   produce — EVENTS events in 500-event batches, one batch in flight (EventPort's batcher sends
 *             one batch at a time): raw = createBatch, tryAdd × 500, sendBatch (client retries
 *             off, as EventPort sets them); EventPort = `producer.send` of 500-event arrays.
 *             Keyless by default (round-robin); with KEYS > 0 each event has one of KEYS keys and
 *             both contenders send a batch as one createBatch({ partitionKey }) per key, all keys at once.
 *   consume — a new consumer reads those events from the earliest (first to last event handled):
 *             raw = EventHubConsumerClient with the blob checkpoint store (greedy load balancing),
 *             subscribe with the same maxBatchSize / prefetchCount, the handler reads every
 *             CloudEvents property and the body, a checkpoint per partition at most once a second
 *             (EventPort's commitIntervalMs); EventPort = `consumer.subscribe` with its defaults
 *             and maxInFlight 2,000, the handler reading id, type and data.
 * Client CPU per event is this process's user + system time (process.cpuUsage); emulator CPU per
 * event comes from /proc/<pid>/stat of the emulator process, so the emulator's share is visible.
 *
 * The emulator: by default a private one per round (`@eventport/eventhubs-emulator`'s CLI in its
 * own process, memory only, on a free port), so no other test traffic shares it, its CPU is
 * measurable, and the events of a round are freed with it. With EVENTHUB_CONNECTION_STRING set the
 * benchmark uses that emulator instead (e.g. `npm run brokers -- up eventhubs`; its CPU is then
 * measured only when EVENTHUBS_EMULATOR_PID is set).
 *
 * Usage (from the repository root; Azurite must be up for the checkpoint store):
 *   npm run brokers -- up azurite
 *   npx tsc --build bench && node --expose-gc bench/dist/eventhubs-bench.js [events] [rounds] [keys]
 * Storage: AZURE_STORAGE_CONNECTION_STRING, else Azurite's development account on 127.0.0.1:10000.
 */
import { randomUUID } from 'node:crypto';
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type CheckpointStore,
  type EventData,
} from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerClient } from '@azure/storage-blob';
import { connect, silentLogger, type Broker } from '@eventport/core';
import '@eventport/eventhubs';
import { startEmulator, type Emulator } from './eventhubs-emulator.js';
import { bounded, fmt, median, pair } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const KEYS = Number(process.argv[4] ?? 0);
const BATCH = 500;
const MAX_BATCH_SIZE = Number(process.env.BENCH_MAX_BATCH_SIZE ?? 100); // EventPort's default
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 300); // EventPort's default
const COMMIT_INTERVAL_MS = 1_000; // EventPort's default commitIntervalMs
const GROUP = 'bench';
const CONTAINER = 'eventport-bench';
const TIMEOUT_MS = 300_000;
/** Azurite's published development account (not a secret). */
const STORAGE =
  process.env.AZURE_STORAGE_CONNECTION_STRING ??
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
const PAYLOAD = new Uint8Array(1024).fill(7);
const BODY = Buffer.from(PAYLOAD.buffer, PAYLOAD.byteOffset, PAYLOAD.byteLength);

/** A phase's rate (events/s), client CPU µs per event and emulator CPU µs per event (NaN if unknown). */
interface Measured {
  rate: number;
  cpu: number;
  emulatorCpu: number;
  /** Emulator CPU time ÷ wall time: near 1 means the (single-threaded) emulator was saturated. */
  emulatorBusy: number;
}

interface Round {
  produce: Measured;
  consume: Measured;
}

const cpuMicros = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Wall time, client CPU and emulator CPU between `start()` and `stop()`. */
class Meter {
  private t0 = 0;
  private c0 = 0;
  private e0 = 0;
  constructor(private readonly emulator: Emulator) {}
  start(): void {
    this.t0 = performance.now();
    this.c0 = cpuMicros();
    this.e0 = this.emulator.cpuSeconds();
  }
  stop(): Measured {
    const seconds = (performance.now() - this.t0) / 1000;
    const emulator = this.emulator.cpuSeconds() - this.e0;
    return {
      rate: EVENTS / seconds,
      cpu: (cpuMicros() - this.c0) / EVENTS,
      emulatorCpu: (emulator * 1e6) / EVENTS,
      emulatorBusy: emulator / seconds,
    };
  }
}

/** Counts handled events; the meter runs from the first to the last one. */
class Tally {
  private handled = 0;
  private result: Measured | undefined;
  private resolveDone!: (m: Measured) => void;
  readonly done = new Promise<Measured>((r) => (this.resolveDone = r));
  constructor(private readonly meter: Meter) {}
  one(): void {
    if (this.handled++ === 0) this.meter.start();
    if (this.handled === EVENTS) this.resolveDone((this.result = this.meter.stop()));
  }
}

let checksum = 0;
/** The handler's work, identical for both contenders. */
function touch(id: unknown, type: unknown, bytes: Uint8Array): void {
  checksum = (checksum + String(id).length + String(type).length + bytes[bytes.length - 1]!) | 0;
}

const keyOf = (i: number): string | undefined => (KEYS > 0 ? `k${i % KEYS}` : undefined);

/** Indexes of one batch grouped by key (one group when keyless). */
function byKey(base: number, n: number): Map<string | undefined, number[]> {
  const groups = new Map<string | undefined, number[]>();
  for (let i = base; i < base + n; i++) {
    const key = keyOf(i);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(i);
  }
  return groups;
}

// ---- raw @azure/event-hubs ---------------------------------------------------------------------

/** What a raw producer writes to carry the same information: the CloudEvents AMQP binding by hand. */
function rawEvent(): EventData {
  return {
    body: BODY,
    contentType: 'application/octet-stream',
    properties: {
      'cloudEvents:id': randomUUID(),
      'cloudEvents:source': '/bench',
      'cloudEvents:type': 'bench.event',
      'cloudEvents:specversion': '1.0',
      'cloudEvents:time': new Date().toISOString(),
    },
  };
}

async function rawSendGroup(
  client: EventHubProducerClient,
  key: string | undefined,
  n: number,
): Promise<void> {
  const options = key === undefined ? {} : { partitionKey: key };
  let batch = await client.createBatch(options);
  for (let i = 0; i < n; i++) {
    const data = rawEvent();
    if (batch.tryAdd(data)) continue;
    await client.sendBatch(batch);
    batch = await client.createBatch(options);
    if (!batch.tryAdd(data)) throw new Error('event does not fit in an empty batch');
  }
  if (batch.count > 0) await client.sendBatch(batch);
}

async function rawProduce(emulator: Emulator, hub: string): Promise<Measured> {
  const meter = new Meter(emulator);
  meter.start();
  const client = new EventHubProducerClient(emulator.connectionString, hub, {
    retryOptions: { maxRetries: 0 },
  });
  await client.getEventHubProperties(); // as EventPort's sender checks the hub once
  for (let base = 0; base < EVENTS; base += BATCH) {
    const groups = byKey(base, Math.min(BATCH, EVENTS - base));
    await Promise.all([...groups].map(([key, indexes]) => rawSendGroup(client, key, indexes.length)));
  }
  const m = meter.stop();
  await client.close();
  return m;
}

function checkpointStore(): CheckpointStore {
  return new BlobCheckpointStore(new ContainerClient(STORAGE, CONTAINER)) as unknown as CheckpointStore;
}

async function rawConsume(emulator: Emulator, hub: string): Promise<Measured> {
  const tally = new Tally(new Meter(emulator));
  const client = new EventHubConsumerClient(GROUP, emulator.connectionString, hub, checkpointStore(), {
    loadBalancingOptions: { strategy: 'greedy' },
  });
  const checkpointed = new Map<string, number>();
  const subscription = client.subscribe(
    {
      processEvents: async (events, context) => {
        for (const e of events) {
          const p = e.properties!;
          // what EventPort hands a handler: every attribute, the key and the data
          touch(p['cloudEvents:id'], p['cloudEvents:type'], e.body as Uint8Array);
          checksum +=
            String(p['cloudEvents:source']).length +
            String(p['cloudEvents:specversion']).length +
            String(p['cloudEvents:time']).length +
            String(e.contentType).length +
            (e.partitionKey?.length ?? 0);
          tally.one();
        }
        const now = performance.now();
        if (events.length > 0 && now - (checkpointed.get(context.partitionId) ?? 0) >= COMMIT_INTERVAL_MS) {
          checkpointed.set(context.partitionId, now);
          await context.updateCheckpoint(events[events.length - 1]!);
        }
      },
      processError: async () => undefined,
    },
    {
      startPosition: earliestEventPosition,
      maxBatchSize: MAX_BATCH_SIZE,
      prefetchCount: PREFETCH,
      maxWaitTimeInSeconds: 1,
      skipParsingBodyAsJson: true,
    },
  );
  try {
    return await bounded(tally.done, 'raw consume', TIMEOUT_MS);
  } finally {
    await subscription.close();
    await client.close();
  }
}

// ---- EventPort ---------------------------------------------------------------------------------

function connectEventPort(emulator: Emulator): Promise<Broker> {
  return connect(
    {
      kind: 'eventhubs',
      connectionString: emulator.connectionString,
      storageConnectionString: STORAGE,
      checkpointContainer: CONTAINER,
      maxBatchSize: MAX_BATCH_SIZE,
      prefetchCount: PREFETCH,
      commitIntervalMs: COMMIT_INTERVAL_MS,
    },
    { tracing: false, logger: silentLogger },
  );
}

async function epProduce(emulator: Emulator, hub: string): Promise<Measured> {
  const meter = new Meter(emulator);
  meter.start();
  const broker = await connectEventPort(emulator);
  const producer = broker.producer(hub, { batch: { maxEvents: BATCH } });
  for (let base = 0; base < EVENTS; base += BATCH) {
    const n = Math.min(BATCH, EVENTS - base);
    await producer.send(
      Array.from({ length: n }, (_, k) => {
        const key = keyOf(base + k);
        return {
          source: '/bench',
          type: 'bench.event',
          data: PAYLOAD,
          ...(key === undefined ? {} : { key }),
        };
      }),
    );
  }
  const m = meter.stop();
  await broker.close();
  return m;
}

async function epConsume(emulator: Emulator, hub: string): Promise<Measured> {
  const tally = new Tally(new Meter(emulator));
  const broker = await connectEventPort(emulator);
  try {
    const sub = await broker
      .consumer(hub, { group: GROUP, from: 'earliest', maxInFlight: 2_000 })
      .subscribe((e) => {
        touch(e.id, e.type, e.data as Uint8Array);
        tally.one();
      });
    try {
      return await bounded(tally.done, 'EventPort consume', TIMEOUT_MS);
    } finally {
      await sub.close();
    }
  } finally {
    await broker.close();
  }
}

// ---- main --------------------------------------------------------------------------------------

let seq = 0;
const hubName = (what: string): string => `bench-${what}-${process.pid}-${++seq}`;

async function main(): Promise<void> {
  await new ContainerClient(STORAGE, CONTAINER).createIfNotExists();
  const raw: Round[] = [];
  const ep: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const emulator = await startEmulator();
    try {
      const rawHub = hubName('raw');
      const epHub = hubName('ep');
      const [rawProduced, epProduced] = await pair(
        r,
        () => bounded(rawProduce(emulator, rawHub), 'raw produce', TIMEOUT_MS),
        () => bounded(epProduce(emulator, epHub), 'EventPort produce', TIMEOUT_MS),
      );
      const [rawConsumed, epConsumed] = await pair(
        r,
        () => rawConsume(emulator, rawHub),
        () => epConsume(emulator, epHub),
      );
      raw.push({ produce: rawProduced, consume: rawConsumed });
      ep.push({ produce: epProduced, consume: epConsumed });
      console.error(`round ${r + 1}: raw ${JSON.stringify(raw.at(-1))}`);
      console.error(`round ${r + 1}: EventPort ${JSON.stringify(ep.at(-1))}`);
    } finally {
      await emulator.close();
    }
  }

  /** name, figure, digits, whether higher is better (undefined: no ratio, the emulator's figures) */
  const rows: [string, (r: Round) => number, number, boolean | undefined][] = [
    ['produce (events/s)', (r) => r.produce.rate, 0, true],
    ['consume (events/s)', (r) => r.consume.rate, 0, true],
    ['client CPU per produced event (µs)', (r) => r.produce.cpu, 1, false],
    ['client CPU per consumed event (µs)', (r) => r.consume.cpu, 1, false],
    ['emulator CPU per produced event (µs)', (r) => r.produce.emulatorCpu, 1, undefined],
    ['emulator CPU per consumed event (µs)', (r) => r.consume.emulatorCpu, 1, undefined],
    ['emulator busy while producing (CPU s ÷ wall s)', (r) => r.produce.emulatorBusy, 2, undefined],
    ['emulator busy while consuming (CPU s ÷ wall s)', (r) => r.consume.emulatorBusy, 2, undefined],
  ];
  console.log(
    `Event Hubs emulator, ${fmt(EVENTS)} events of 1 KB, ${KEYS > 0 ? `${KEYS} keys` : 'keyless'}, 4 partitions, ` +
      `${BATCH} per batch, maxBatchSize ${MAX_BATCH_SIZE}, prefetch ${PREFETCH}, ${ROUNDS} rounds ` +
      `(contenders alternate within each phase), node ${process.version}\n`,
  );
  console.log(
    '| figure | raw @azure/event-hubs (median) | EventPort (median) | ratio (median of rounds) | per round |',
  );
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const [name, of, digits, higherIsBetter] of rows) {
    const ratios = raw.map((r, i) => (higherIsBetter ? of(ep[i]!) / of(r) : of(r) / of(ep[i]!)));
    const ratio = higherIsBetter === undefined ? '' : `${fmt(median(ratios), 2)}x`;
    const perRound =
      higherIsBetter === undefined
        ? `raw ${raw.map((r) => fmt(of(r), digits)).join(' ')} · EventPort ${ep.map((r) => fmt(of(r), digits)).join(' ')}`
        : ratios.map((x) => fmt(x, 2)).join(' ');
    console.log(
      `| ${name} | ${fmt(median(raw.map(of)), digits)} | ${fmt(median(ep.map(of)), digits)} | ${ratio} | ${perRound} |`,
    );
  }
  if (checksum === 42) console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

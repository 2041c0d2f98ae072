/**
 * @eventport/eventhubs against the project's Event Hubs emulator and Azurite, beyond the portable
 * conformance checks: the wire both ways with the raw @azure/event-hubs client, competing
 * consumers splitting partitions by ownership and taking over, checkpoint resume, dead-letter
 * properties, secrets.
 *
 * @brokers eventhubs azurite
 */
import util from 'node:util';
import type { Broker, Event } from '@eventport/core';
import type { Driver, ReceiverOptions } from '@eventport/core/driver';
import type { EventHubsNative } from '@eventport/eventhubs';
import { uniqueName } from '../support/env.js';
import {
  connectionString,
  connectEventHubs,
  rawProducer,
  readRaw,
  sleep,
  uniqueHub,
  until,
} from './support/eventhubs.js';

jest.setTimeout(90_000);

const brokers: Broker[] = [];
async function open(options: Record<string, unknown> = {}): Promise<Broker> {
  const b = await connectEventHubs(options);
  brokers.push(b);
  return b;
}

afterAll(async () => {
  await Promise.allSettled(brokers.map((b) => b.close()));
});

test('a raw producer → EventPort: plain events and CloudEvents properties are read', async () => {
  const hub = uniqueHub('interop-in');
  const raw = rawProducer(hub);
  try {
    await raw.sendBatch(
      [
        { body: Buffer.from('plain bytes'), contentType: 'text/plain' },
        {
          body: Buffer.from(JSON.stringify({ n: 1 })),
          contentType: 'application/json',
          properties: {
            'cloudEvents:specversion': '1.0',
            'cloudEvents:id': 'raw-1',
            'cloudEvents:source': '/raw',
            'cloudEvents:type': 'raw.created',
            'cloudEvents:tenant': 'acme',
          },
        },
      ],
      { partitionKey: 'k1' },
    );
  } finally {
    await raw.close();
  }
  const broker = await open();
  const seen: Event[] = [];
  const sub = await broker
    .consumer(hub, { group: 'interop', from: 'earliest' })
    .subscribe(async (e) => void seen.push(e));
  await until(() => seen.length >= 2, 20_000, 'both events');
  await sub.close();
  const plain = seen.find((e) => e.type === 'eventport.plain')!;
  expect(plain.data).toBe('plain bytes');
  expect(plain.key).toBe('k1');
  expect(plain.source).toBe(`/eventhubs/${hub}`);
  expect(plain.id).toMatch(new RegExp(`^${hub}/\\d+/0$`));
  const ce = seen.find((e) => e.id === 'raw-1')!;
  expect(ce.type).toBe('raw.created');
  expect(ce.data).toEqual({ n: 1 });
  expect(ce.extensions.tenant).toBe('acme');
  expect(ce.key).toBe('k1');
});

test('EventPort → a raw consumer: cloudEvents: properties, content type, data section, partition key', async () => {
  const hub = uniqueHub('interop-out');
  const broker = await open();
  const producer = broker.producer(hub);
  const events = Array.from({ length: 12 }, (_, i) => ({
    id: `e-${i}`,
    type: 'order.created',
    source: '/shop',
    key: `cust-${i % 3}`,
    data: { i },
    extensions: { tenant: 'acme' },
  }));
  for (const e of events) await producer.send(e);
  await producer.send({ type: 'bin', source: '/shop', id: 'bin', data: new Uint8Array([0, 255, 128]) });
  const received = await readRaw(hub, 13);
  const byId = new Map(received.map((r) => [String(r.properties?.['cloudEvents:id']), r]));
  const first = byId.get('e-0')!;
  expect(first.properties).toMatchObject({
    'cloudEvents:specversion': '1.0',
    'cloudEvents:type': 'order.created',
    'cloudEvents:source': '/shop',
    'cloudEvents:tenant': 'acme',
  });
  expect(typeof first.properties?.['cloudEvents:time']).toBe('string');
  expect(first.contentType).toBe('application/json');
  expect(JSON.parse(Buffer.from(first.body as Uint8Array).toString())).toEqual({ i: 0 });
  expect(first.partitionKey).toBe('cust-0');
  // same key, same partition
  for (let k = 0; k < 3; k++) {
    const ofKey = received.filter((r) => r.partitionKey === `cust-${k}`);
    expect(ofKey).toHaveLength(4);
    expect(new Set(ofKey.map((r) => r.partitionId)).size).toBe(1);
    // and in send order
    expect(ofKey.map((r) => r.properties?.['cloudEvents:id'])).toEqual(
      [k, k + 3, k + 6, k + 9].map((i) => `e-${i}`),
    );
  }
  expect(Buffer.from(byId.get('bin')!.body as Uint8Array)).toEqual(Buffer.from([0, 255, 128]));
  expect(byId.get('bin')!.contentType).toBe('application/octet-stream');
});

test('two consumers of one group split 4 partitions; when one closes the other takes over, nothing lost', async () => {
  const hub = uniqueHub('split');
  const container = uniqueName('ckpt');
  const a = await open({ checkpointContainer: container });
  const b = await open({ checkpointContainer: container });
  const byA = new Set<string>();
  const byB = new Set<string>();
  const partsA = new Set<string>();
  const partsB = new Set<string>();
  const subA = await a.consumer(hub, { group: 'workers', from: 'earliest' }).subscribe(async (e, ctx) => {
    byA.add(e.id);
    partsA.add(String(ctx.partition));
  });
  const subB = await b.consumer(hub, { group: 'workers', from: 'earliest' }).subscribe(async (e, ctx) => {
    byB.add(e.id);
    partsB.add(String(ctx.partition));
  });
  // wait until the two have split the partitions evenly (ownership claims in the checkpoint store)
  const native = a.raw() as EventHubsNative;
  const store = await native.checkpointStore();
  const fqns = native.producer(hub).fullyQualifiedNamespace;
  await until(
    async () => {
      const owners = (await store.listOwnership(fqns, hub, 'workers')).filter((o) => o.ownerId !== '');
      // 2 + 2: a 3 + 1 split is still being balanced (a partition moves, and is then read by both)
      const perOwner = new Map<string, number>();
      for (const o of owners) perOwner.set(o.ownerId, (perOwner.get(o.ownerId) ?? 0) + 1);
      return owners.length === 4 && perOwner.size === 2 && [...perOwner.values()].every((n) => n === 2);
    },
    20_000,
    'both consumers owning partitions',
  );
  const producer = a.producer(hub);
  const first = Array.from({ length: 80 }, (_, i) => `first-${i}`);
  for (const id of first) await producer.send({ id, type: 't', source: '/s', key: id });
  await until(() => first.every((id) => byA.has(id) || byB.has(id)), 30_000, 'every first event');
  expect(partsA.size).toBeGreaterThan(0);
  expect(partsB.size).toBeGreaterThan(0);
  expect([...partsA].some((p) => partsB.has(p))).toBe(false); // each partition has one owner
  await subA.close();
  const second = Array.from({ length: 80 }, (_, i) => `second-${i}`);
  for (const id of second) await producer.send({ id, type: 't', source: '/s', key: id });
  await until(() => second.every((id) => byB.has(id)), 30_000, 'B reads every second event after A closed');
  expect(partsB.size).toBe(4);
  await subB.close();
});

test('a restarted consumer resumes after the last checkpoint', async () => {
  const hub = uniqueHub('resume');
  const container = uniqueName('ckpt');
  const broker = await open({ checkpointContainer: container });
  const producer = broker.producer(hub);
  const seen1: string[] = [];
  const sub1 = await broker
    .consumer(hub, { group: 'billing', from: 'earliest' })
    .subscribe(async (e) => void seen1.push(e.id));
  for (let i = 0; i < 20; i++) await producer.send({ id: `a-${i}`, type: 't', source: '/s' });
  await until(() => seen1.length >= 20, 20_000, 'the first 20');
  await sub1.close(); // drains and writes the final checkpoints
  for (let i = 0; i < 10; i++) await producer.send({ id: `b-${i}`, type: 't', source: '/s' });
  const again = await open({ checkpointContainer: container });
  const seen2: string[] = [];
  const sub2 = await again
    .consumer(hub, { group: 'billing', from: 'earliest' })
    .subscribe(async (e) => void seen2.push(e.id));
  await until(() => seen2.length >= 10, 20_000, 'the 10 sent while it was down');
  await sleep(1_000);
  await sub2.close();
  expect(seen2.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `b-${i}`).sort());
});

test('a failing event is dead-lettered to <hub>.dlq with the reason and attempts', async () => {
  const hub = uniqueHub('dlq');
  const broker = await open();
  let attempts = 0;
  const sub = await broker
    .consumer(hub, {
      group: 'dl',
      from: 'earliest',
      retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 10 },
    })
    .subscribe(async (e) => {
      if (e.id === 'poison') {
        attempts++;
        throw new Error('cannot bill this order');
      }
    });
  const producer = broker.producer(hub);
  await producer.send({ id: 'poison', type: 'order.created', source: '/shop', data: { x: 1 } });
  const [dead] = await readRaw(`${hub}.dlq`, 1, 30_000);
  await sub.close();
  expect(attempts).toBe(2);
  expect(dead!.properties?.['cloudEvents:id']).toBe('poison');
  expect(String(dead!.properties?.['cloudEvents:deadletterreason'])).toContain('cannot bill this order');
  expect(dead!.properties?.['cloudEvents:deadletterattempts']).toBe('2');
});

test('no key or connection string is reachable from a connected broker, producer, subscription or error', async () => {
  const hub = uniqueHub('secrets');
  const broker = await open();
  const producer = broker.producer(hub);
  await producer.send({ type: 't', source: '/s' });
  const sub = await broker.consumer(hub, { group: 'sec', from: 'earliest' }).subscribe(async () => undefined);
  await sleep(500);
  for (const v of [broker, producer, sub]) {
    const text = util.inspect(v, { depth: Infinity, showHidden: true }) + JSON.stringify(v) + String(v);
    expect(text).not.toContain('SAS_KEY_VALUE');
    expect(text).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
  }
  await sub.close();
  const bad = await connectEventHubs({
    connectionString: connectionStringWithKey('d3Jvbmcta2V5LXZhbHVl'),
  });
  brokers.push(bad);
  const err = await bad
    .producer(hub, { retry: { attempts: 1 } })
    .send({ type: 't', source: '/s' })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeDefined();
  expect((err as { code?: string }).code).toBe('AUTHENTICATION');
  expect(util.inspect(err, { depth: Infinity })).not.toContain('d3Jvbmcta2V5LXZhbHVl');
});

function connectionStringWithKey(key: string): string {
  return `${connectionString().replace(/SharedAccessKey=[^;]*/, `SharedAccessKey=${key}`)}`;
}

test('a partition taken over mid-handler: the old owner settles nothing, its checkpoint is not written', async () => {
  const hub = uniqueHub('stolen');
  const container = uniqueName('ckpt');
  const a = await open({ checkpointContainer: container });
  const producer = a.producer(hub);
  const ids = Array.from({ length: 40 }, (_, i) => `s-${i}`);
  for (const id of ids) await producer.send({ id, type: 't', source: '/s', key: id });
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const heldByA = new Map<string, string>(); // event id -> partition
  const subA = await a
    .consumer(hub, { group: 'steal', from: 'earliest', concurrency: 16 })
    .subscribe(async (e, ctx) => {
      const partition = String(ctx.partition);
      if ([...heldByA.values()].includes(partition)) return;
      heldByA.set(e.id, partition);
      await gate; // A holds its first event of every partition (so no checkpoint) until B took some over
    });
  try {
    await until(() => new Set(heldByA.values()).size === 4, 20_000, 'A holding one event of each partition');
  } catch (err) {
    release();
    throw new Error(`${String(err)}: ${JSON.stringify([...heldByA])}`);
  }
  const b = await open({ checkpointContainer: container });
  const byB = new Map<string, string>();
  const subB = await b.consumer(hub, { group: 'steal', from: 'earliest' }).subscribe(async (e, ctx) => {
    byB.set(e.id, String(ctx.partition));
  });
  const native = a.raw() as EventHubsNative;
  const store = await native.checkpointStore();
  const fqns = native.producer(hub).fullyQualifiedNamespace;
  const checkpoints = async (): Promise<Map<string, number>> =>
    new Map((await store.listCheckpoints(fqns, hub, 'steal')).map((c) => [c.partitionId, c.sequenceNumber]));
  // B takes its share over and reads those partitions from the start (A checkpointed nothing there)
  await until(() => new Set(byB.values()).size >= 2, 20_000, 'B reading two partitions');
  const stolen = new Set(byB.values());
  // B re-reads what A holds (A checkpointed nothing there), then reads and checkpoints more
  await until(
    () => [...heldByA.entries()].every(([id, p]) => !stolen.has(p) || byB.has(id)),
    20_000,
    'B re-reading the events A holds',
  );
  const phaseOne = (p: string): number => ids.filter((id) => byB.get(id) === p).length;
  const more = Array.from({ length: 40 }, (_, i) => `t-${i}`);
  for (const id of more) await producer.send({ id, type: 't', source: '/s', key: id });
  const before = new Map<string, number>();
  await until(
    async () => {
      const cp = await checkpoints();
      for (const p of stolen) before.set(p, cp.get(p) ?? -1);
      const last = await Promise.all(
        [...stolen].map(
          async (p) => (await native.producer(hub).getPartitionProperties(p)).lastEnqueuedSequenceNumber,
        ),
      );
      // past every event A received, and at the partition's last event (B has nothing left to write)
      return [...stolen].every((p, i) => before.get(p)! >= phaseOne(p) && before.get(p) === last[i]);
    },
    20_000,
    'B checkpointing beyond what A received',
  );
  release(); // A's handlers for the stolen partitions finish now: their settle must be dropped
  await sleep(1_000); // > commitIntervalMs
  const after = await checkpoints();
  // A's commit (its older position) would move the checkpoint back
  for (const p of stolen) expect([p, after.get(p)]).toEqual([p, before.get(p)]);
  await subB.close();
  await subA.close();
});

test('backpressure: slow handlers hold the partitions instead of buffering the hub', async () => {
  const hub = uniqueHub('backpressure');
  const receivers: { stats: { buffered: number } }[] = [];
  const broker = await connectEventHubs(
    { maxBufferedEvents: 20, maxBatchSize: 10, prefetchCount: 10 },
    {
      wrapDriver: (d: Driver): Driver => ({
        name: d.name,
        capabilities: d.capabilities,
        describe: () => d.describe(),
        openSender: (topic, options) => d.openSender(topic, options),
        openReceiver: async (topic: string, options: ReceiverOptions) => {
          const r = await d.openReceiver(topic, options);
          receivers.push(r as unknown as { stats: { buffered: number } });
          return r;
        },
        raw: () => d.raw(),
        close: () => d.close(),
      }),
    },
  );
  brokers.push(broker);
  const producer = broker.producer(hub);
  for (let i = 0; i < 40; i++)
    await producer.send(Array.from({ length: 10 }, (_, j) => ({ type: 't', source: '/s', key: `k${j}` })));
  let handled = 0;
  let maxBuffered = 0;
  const sub = await broker
    .consumer(hub, { group: 'slow', from: 'earliest', maxInFlight: 4 })
    .subscribe(async () => {
      maxBuffered = Math.max(maxBuffered, receivers[0]?.stats.buffered ?? 0);
      await sleep(2);
      handled++;
    });
  await until(() => handled >= 400, 60_000, 'all 400 handled');
  await sub.close();
  expect(receivers).toHaveLength(1);
  // at most the limit plus one batch per partition (4 x 10) waiting; without backpressure ~400
  expect(maxBuffered).toBeGreaterThan(0);
  expect(maxBuffered).toBeLessThanOrEqual(20 + 4 * 10);
});

/** Sending and receiving through the real @azure/event-hubs client. */
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from '@azure/event-hubs';
import { partitionForKey, type EventHubsEmulator } from '../src/index.js';
import { bufferedProducer, NO_RETRY, receive, startEmulator } from './support.js';

const HUB = 'orders';
jest.setTimeout(30_000);
let emulator: EventHubsEmulator;
let producer: EventHubProducerClient;
let consumer: EventHubConsumerClient;

beforeAll(async () => {
  emulator = await startEmulator({ hubs: [{ name: HUB, partitionCount: 4, consumerGroups: ['billing'] }] });
  producer = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: NO_RETRY });
  consumer = new EventHubConsumerClient('$Default', emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
  });
});

afterAll(async () => {
  await producer?.close();
  await consumer?.close();
  await emulator?.close();
});

test('hub and partition properties come from $management', async () => {
  const props = await producer.getEventHubProperties();
  expect(props.name).toBe(HUB);
  expect(props.partitionIds).toEqual(['0', '1', '2', '3']);
  expect(props.createdOn).toBeInstanceOf(Date);
  const p = await producer.getPartitionProperties('3');
  expect(p).toMatchObject({
    eventHubName: HUB,
    partitionId: '3',
    isEmpty: true,
    lastEnqueuedSequenceNumber: -1,
  });
});

test('a batch to a partition id arrives in order with annotations, properties and body', async () => {
  const batch = await producer.createBatch({ partitionId: '2' });
  for (let i = 0; i < 5; i++) {
    expect(
      batch.tryAdd({ body: { n: i }, properties: { i, tag: `t${i}` }, contentType: 'application/json' }),
    ).toBe(true);
  }
  await producer.sendBatch(batch);
  const props = await producer.getPartitionProperties('2');
  expect(props.isEmpty).toBe(false);
  expect(props.lastEnqueuedSequenceNumber).toBe(4);
  const events = await receive(consumer, '2', earliestEventPosition, 5);
  expect(events.map((e) => e.body)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
  expect(events.map((e) => e.sequenceNumber)).toEqual([0, 1, 2, 3, 4]);
  expect(events.map((e) => e.properties)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i, tag: `t${i}` })));
  expect(events[0]!.contentType).toBe('application/json');
  expect(events[0]!.enqueuedTimeUtc).toBeInstanceOf(Date);
  expect(Math.abs(events[0]!.enqueuedTimeUtc.getTime() - Date.now())).toBeLessThan(60_000);
  const offsets = events.map((e) => Number(e.offset));
  expect(offsets[0]).toBe(0);
  expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
  expect(String(props.lastEnqueuedOffset)).toBe(String(events[4]!.offset));
});

test('a partition key places every event of the key on the documented partition', async () => {
  const keys = ['cust-1', 'cust-2', 'cust-42', 'ünïcödé'];
  for (const key of keys)
    await producer.sendBatch([{ body: key }, { body: `${key}!` }], { partitionKey: key });
  for (const key of keys) {
    const partition = String(partitionForKey(key, 4));
    const events = await receive(consumer, partition, earliestEventPosition, 1, 10_000, {
      maxBatchSize: 1000,
    });
    expect(events.length).toBeGreaterThan(0);
    const all = await receive(
      consumer,
      partition,
      earliestEventPosition,
      (await producer.getPartitionProperties(partition)).lastEnqueuedSequenceNumber + 1,
    );
    const mine = all.filter((e) => e.partitionKey === key);
    expect(mine.map((e) => e.body)).toEqual([key, `${key}!`]);
  }
});

test('events without key or partition id are spread over the partitions', async () => {
  const before = await Promise.all(['0', '1', '2', '3'].map((p) => producer.getPartitionProperties(p)));
  for (let i = 0; i < 8; i++) await producer.sendBatch([{ body: i }]);
  const after = await Promise.all(['0', '1', '2', '3'].map((p) => producer.getPartitionProperties(p)));
  const added = after.map((p, i) => p.lastEnqueuedSequenceNumber - before[i]!.lastEnqueuedSequenceNumber);
  expect(added.reduce((a, b) => a + b, 0)).toBe(8);
  expect(added.every((n) => n >= 1)).toBe(true);
});

test("the emulator's key placement agrees with the buffered producer's client-side placement", async () => {
  const buffered = bufferedProducer(emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
    maxWaitTimeInMs: 50,
  });
  const keys = Array.from({ length: 12 }, (_, i) => `agree-${i}`);
  try {
    for (const key of keys) {
      await producer.sendBatch([{ body: `server:${key}` }], { partitionKey: key }); // placed by the emulator
      await buffered.enqueueEvent({ body: `client:${key}` }, { partitionKey: key }); // placed by the client
    }
    await buffered.flush();
  } finally {
    await buffered.close();
  }
  expect(buffered.sendErrors).toEqual([]);
  const byPartition = new Map<string, Set<string>>();
  for (const p of ['0', '1', '2', '3']) {
    const count = (await producer.getPartitionProperties(p)).lastEnqueuedSequenceNumber + 1;
    const events = await receive(consumer, p, earliestEventPosition, count);
    for (const e of events) {
      const m = /^(server|client):(agree-\d+)$/.exec(String(e.body));
      if (m) byPartition.set(m[2]!, new Set([...(byPartition.get(m[2]!) ?? []), `${m[1]}@${p}`]));
    }
  }
  for (const key of keys) {
    const p = partitionForKey(key, 4);
    expect([...(byPartition.get(key) ?? [])].sort()).toEqual([`client@${p}`, `server@${p}`]);
  }
});

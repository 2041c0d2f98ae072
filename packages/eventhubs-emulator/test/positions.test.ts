/** Every start position form the client sends, prefetch/credit, and body types round trip. */
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  latestEventPosition,
  type ReceivedEventData,
} from '@azure/event-hubs';
import type { EventHubsEmulator } from '../src/index.js';
import { NO_RETRY, receive, startEmulator, until } from './support.js';

const HUB = 'positions';
jest.setTimeout(30_000);
let emulator: EventHubsEmulator;
let producer: EventHubProducerClient;
let consumer: EventHubConsumerClient;
let sent: ReceivedEventData[];

beforeAll(async () => {
  emulator = await startEmulator({ hubs: [{ name: HUB, partitionCount: 2, consumerGroups: [] }] });
  producer = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: NO_RETRY });
  consumer = new EventHubConsumerClient('$Default', emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
  });
  for (let i = 0; i < 10; i++) {
    await producer.sendBatch([{ body: `e${i}` }], { partitionId: '0' });
    if (i === 4) await new Promise((r) => setTimeout(r, 30)); // a gap in enqueued time
  }
  sent = await receive(consumer, '0', earliestEventPosition, 10);
});

afterAll(async () => {
  await producer?.close();
  await consumer?.close();
  await emulator?.close();
});

const bodies = (events: ReceivedEventData[]) => events.map((e) => e.body);

test('earliest reads from the first event', () => {
  expect(bodies(sent)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `e${i}`));
});

test('offset, exclusive and inclusive', async () => {
  const offset = sent[3]!.offset;
  expect(bodies(await receive(consumer, '0', { offset }, 6))).toEqual(['e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  expect(bodies(await receive(consumer, '0', { offset, isInclusive: true }, 7))[0]).toBe('e3');
});

test('sequence number, exclusive and inclusive', async () => {
  expect(bodies(await receive(consumer, '0', { sequenceNumber: 7 }, 2))).toEqual(['e8', 'e9']);
  expect(bodies(await receive(consumer, '0', { sequenceNumber: 7, isInclusive: true }, 3))).toEqual([
    'e7',
    'e8',
    'e9',
  ]);
});

test('enqueued time: events enqueued after the instant', async () => {
  const at = sent[4]!.enqueuedTimeUtc;
  expect(sent[5]!.enqueuedTimeUtc.getTime()).toBeGreaterThan(at.getTime());
  const events = await receive(consumer, '0', { enqueuedOn: at }, 5);
  expect(bodies(events)).toEqual(['e5', 'e6', 'e7', 'e8', 'e9']);
});

test('latest: only events sent after the receiver attached', async () => {
  const received = receive(consumer, '0', latestEventPosition, 2);
  // send only once the receiver's link is attached (the emulator counts it as a reader)
  const readers = emulator.namespace.hub(HUB)!.group('$Default')!.readersOf('0');
  await until(() => readers.size === 1, 10_000, 'the receiver to attach');
  await producer.sendBatch([{ body: 'new-1' }, { body: 'new-2' }], { partitionId: '0' });
  expect(bodies(await received)).toEqual(['new-1', 'new-2']);
});

test('a small prefetch still delivers everything, in order', async () => {
  const events = await receive(consumer, '0', earliestEventPosition, 12, 10_000, {
    maxBatchSize: 1,
    prefetchCount: 1,
  });
  expect(events.map((e) => e.sequenceNumber)).toEqual([...Array(12).keys()]);
});

test('body types and application property types round-trip', async () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  await producer.sendBatch(
    [
      { body: Buffer.from([0, 255, 1, 254]) },
      { body: 'plain string' },
      { body: { nested: { list: [1, 'two', null] } } },
      {
        body: 1,
        properties: { str: 's', int: 42, neg: -7, dbl: 1.5, bool: true, date: at },
        messageId: 'mid-1',
        correlationId: 'cid-1',
        contentType: 'text/plain',
      },
    ],
    { partitionId: '1' },
  );
  const value = { body: [1, 2, 3], bodyType: 'sequence' as const };
  const valueBody = { body: 'an amqp value', bodyType: 'value' as const };
  await producer.sendBatch([value, valueBody], { partitionId: '1' });
  const events = await receive(consumer, '1', earliestEventPosition, 6);
  expect(Buffer.from(events[0]!.body as Uint8Array)).toEqual(Buffer.from([0, 255, 1, 254]));
  expect(events[1]!.body).toBe('plain string');
  expect(events[2]!.body).toEqual({ nested: { list: [1, 'two', null] } });
  // rhea (inside the client) decodes an AMQP timestamp as epoch milliseconds
  expect(events[3]!.properties).toEqual({
    str: 's',
    int: 42,
    neg: -7,
    dbl: 1.5,
    bool: true,
    date: at.getTime(),
  });
  expect(events[3]).toMatchObject({ messageId: 'mid-1', correlationId: 'cid-1', contentType: 'text/plain' });
  const raw = events.slice(4).map((e) => e.getRawAmqpMessage());
  expect(raw.map((m) => m.bodyType)).toEqual(['sequence', 'value']);
  // the client hands a sequence body over as rhea's section object
  expect((raw[0]!.body as { content?: unknown }).content ?? raw[0]!.body).toEqual([1, 2, 3]);
  expect(raw[1]!.body).toBe('an amqp value');
  expect(raw[0]!.messageAnnotations).toMatchObject({
    'x-opt-sequence-number': 4,
    'x-opt-offset': events[4]!.offset,
  });
});

test('trackLastEnqueuedEventProperties: every batch tells the partition end', async () => {
  const before = await producer.getPartitionProperties('0');
  let seen: { sequenceNumber?: number; offset?: string; enqueuedOn?: Date; retrievedOn?: Date } | undefined;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no batch within 10 s')), 10_000);
    const subscription = consumer.subscribe(
      '0',
      {
        processEvents: async (events, context) => {
          if (events.length === 0) return;
          seen = { ...context.lastEnqueuedEventProperties };
          clearTimeout(timer);
          void subscription.close().then(resolve, reject);
        },
        processError: async (err) => reject(err),
      },
      { startPosition: earliestEventPosition, maxBatchSize: 1, trackLastEnqueuedEventProperties: true },
    );
  });
  expect(seen?.sequenceNumber).toBe(before.lastEnqueuedSequenceNumber);
  expect(String(seen?.offset)).toBe(String(before.lastEnqueuedOffset));
  expect(seen?.enqueuedOn?.getTime()).toBe(before.lastEnqueuedOnUtc.getTime());
  expect(Math.abs((seen?.retrievedOn?.getTime() ?? 0) - Date.now())).toBeLessThan(10_000);
});

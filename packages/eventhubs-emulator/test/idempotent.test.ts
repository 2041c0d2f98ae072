/** Idempotent publishing (`enableIdempotentRetries`) through the real client. */
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from '@azure/event-hubs';
import type { EventHubsEmulator } from '../src/index.js';
import { bufferedProducer, NO_RETRY, receive, startEmulator } from './support.js';

jest.setTimeout(30_000);

const HUB = 'idem';
let emulator: EventHubsEmulator;
let consumer: EventHubConsumerClient;
const producers: EventHubProducerClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator({
    hubs: [
      { name: HUB, partitionCount: 2, consumerGroups: [] },
      { name: 'buffered', partitionCount: 2, consumerGroups: [] },
    ],
  });
  consumer = new EventHubConsumerClient('$Default', emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
  });
});

afterAll(async () => {
  await Promise.all(producers.map((p) => p.close()));
  await consumer?.close();
  await emulator?.close();
});

interface PartitionOptions {
  producerGroupId?: number;
  ownerLevel?: number;
  startingSequenceNumber?: number;
}

/**
 * A producer with idempotent publishing on. In @azure/event-hubs 6 the public switch is the
 * buffered producer's `enableIdempotentRetries`, which sets these two fields of its inner
 * EventHubProducerClient; we set the same fields to drive the protocol directly.
 */
function producer(partitionOptions?: Record<string, PartitionOptions>): EventHubProducerClient {
  const p = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: NO_RETRY });
  Object.assign(p, { _enableIdempotentRetries: true, _partitionOptions: partitionOptions });
  producers.push(p);
  return p;
}

test('the link gets a producer id and the numbering follows the published events', async () => {
  const p = producer();
  await p.sendBatch([{ body: 'a' }, { body: 'b' }], { partitionId: '0' });
  const batch = await p.createBatch({ partitionId: '0' });
  batch.tryAdd({ body: 'c' });
  await p.sendBatch(batch);
  const props = await p.getPartitionPublishingProperties('0');
  expect(props.isIdempotentPublishingEnabled).toBe(true);
  expect(Number.isInteger(props.producerGroupId)).toBe(true);
  expect(props.lastPublishedSequenceNumber).toBe(2);
  const events = await receive(consumer, '0', earliestEventPosition, 3);
  expect(events.map((e) => e.body)).toEqual(['a', 'b', 'c']);
});

test('a resend of already published numbers is accepted but not stored again; a gap is refused', async () => {
  const first = producer();
  await first.sendBatch([{ body: 'x0' }, { body: 'x1' }], { partitionId: '1' });
  const { producerGroupId, ownerLevel } = await first
    .getPartitionProperties('1')
    .then(() => first.getPartitionPublishingProperties('1'));
  // the same producer id restarting from number 0 (as a retry after a lost acknowledgement would)
  const retry = producer({ '1': { producerGroupId, ownerLevel, startingSequenceNumber: -1 } });
  await retry.sendBatch([{ body: 'x0-again' }], { partitionId: '1' });
  expect((await first.getPartitionProperties('1')).lastEnqueuedSequenceNumber).toBe(1); // nothing stored
  const gap = producer({ '1': { producerGroupId, ownerLevel, startingSequenceNumber: 10 } });
  await expect(gap.sendBatch([{ body: 'x11' }], { partitionId: '1' })).rejects.toThrow(
    /expected sequence number 2/,
  );
  const events = await receive(consumer, '1', earliestEventPosition, 2);
  expect(events.map((e) => e.body)).toEqual(['x0', 'x1']);
});

test('the buffered producer with enableIdempotentRetries publishes every event once', async () => {
  const buffered = bufferedProducer(emulator.connectionString('buffered'), {
    retryOptions: NO_RETRY,
    enableIdempotentRetries: true,
    maxWaitTimeInMs: 50,
  });
  try {
    for (let i = 0; i < 20; i++) await buffered.enqueueEvent({ body: i }, { partitionId: String(i % 2) });
    await buffered.flush();
  } finally {
    await buffered.close();
  }
  expect(buffered.sendErrors).toEqual([]);
  const c = new EventHubConsumerClient('$Default', emulator.connectionString('buffered'), {
    retryOptions: NO_RETRY,
  });
  try {
    const evens = await receive(c, '0', earliestEventPosition, 10);
    expect(evens.map((e) => e.body)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    const raw = evens[0]!.getRawAmqpMessage().messageAnnotations ?? {};
    expect(raw['com.microsoft:producer-sequence-number']).toBe(0); // the client did publish idempotently
  } finally {
    await c.close();
  }
});

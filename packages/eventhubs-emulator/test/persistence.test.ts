/** Events kept in a data directory across restarts, and retention, through the real client. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type ReceivedEventData,
} from '@azure/event-hubs';
import { partitionForKey, type EventHubsEmulator, type EmulatorOptions } from '../src/index.js';
import { NO_RETRY, receive, startEmulator, until } from './support.js';

jest.setTimeout(30_000);

const HUB = 'durable';
let dataDir: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventhubs-emulator-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Runs `body` against an emulator on `dataDir` and closes everything afterwards. */
async function withEmulator<T>(
  options: EmulatorOptions,
  body: (p: EventHubProducerClient, c: EventHubConsumerClient, e: EventHubsEmulator) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator({ dataDir, ...options });
  const producer = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: NO_RETRY });
  const consumer = new EventHubConsumerClient('$Default', emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
  });
  try {
    return await body(producer, consumer, emulator);
  } finally {
    await producer.close();
    await consumer.close();
    await emulator.close();
  }
}

const hubs = [{ name: HUB, partitionCount: 2, consumerGroups: [] }];

test('a restarted emulator serves the same events and continues the numbering', async () => {
  expect(partitionForKey('k-1', 2)).toBe(0);
  const before = await withEmulator({ hubs }, async (producer, consumer) => {
    await producer.sendBatch([{ body: 'a', properties: { k: 1 } }, { body: 'b' }], { partitionId: '0' });
    await producer.sendBatch([{ body: 'c' }], { partitionId: '1' });
    await producer.sendBatch([{ body: 'keyed' }], { partitionKey: 'k-1' }); // lands on partition 0
    return receive(consumer, '0', earliestEventPosition, 3);
  });
  // a torn record at the end of a file (a kill in the middle of a write) is cut off on load
  fs.appendFileSync(path.join(dataDir, HUB, '0.log'), Buffer.from([0, 0, 1, 0, 7]));
  // the hub survives even when the configuration no longer names it
  await withEmulator({ hubs: [] }, async (producer, consumer) => {
    expect((await producer.getEventHubProperties()).partitionIds).toEqual(['0', '1']);
    const after = await receive(consumer, '0', earliestEventPosition, 3);
    const view = (e: ReceivedEventData) => [
      e.body,
      e.sequenceNumber,
      e.offset,
      e.enqueuedTimeUtc.getTime(),
      e.properties,
      e.partitionKey,
    ];
    expect(after.map(view)).toEqual(before.map(view));
    expect(after[2]!.partitionKey).toBe('k-1');
    const p1 = await producer.getPartitionProperties('1');
    expect(p1.lastEnqueuedSequenceNumber).toBeGreaterThanOrEqual(0);
    await producer.sendBatch([{ body: 'later' }], { partitionId: '0' });
    const all = await receive(consumer, '0', earliestEventPosition, 4);
    expect(all[3]).toMatchObject({ body: 'later', sequenceNumber: 3 });
    expect(Number(all[3]!.offset)).toBeGreaterThan(Number(all[2]!.offset));
  });
});

test('retention by size drops the oldest events; numbering survives a restart with an emptied partition', async () => {
  await withEmulator({ hubs, retentionBytesPerPartition: 3000 }, async (producer, consumer, emulator) => {
    for (let i = 0; i < 10; i++)
      await producer.sendBatch([{ body: Buffer.alloc(1000, i) }], { partitionId: '0' });
    emulator.namespace.applyRetention();
    const props = await producer.getPartitionProperties('0');
    expect(props.lastEnqueuedSequenceNumber).toBe(9);
    expect(props.beginningSequenceNumber).toBeGreaterThanOrEqual(7);
    const events = await receive(consumer, '0', earliestEventPosition, 10 - props.beginningSequenceNumber);
    expect(events[0]!.sequenceNumber).toBe(props.beginningSequenceNumber);
  });
  await withEmulator({ hubs, retentionBytesPerPartition: 1 }, async (producer) => {
    // everything is dropped at start-up, yet the next event is number 10
    const props = await producer.getPartitionProperties('0');
    expect(props).toMatchObject({ isEmpty: true, lastEnqueuedSequenceNumber: 9 });
  });
  await withEmulator({ hubs }, async (producer, consumer) => {
    await producer.sendBatch([{ body: 'next' }], { partitionId: '0' });
    const [event] = await receive(consumer, '0', earliestEventPosition, 1);
    expect(event).toMatchObject({ body: 'next', sequenceNumber: 10 });
  });
});

test('retention by time drops events older than the limit', async () => {
  await withEmulator({ hubs, retentionMs: 300 }, async (producer) => {
    await producer.sendBatch([{ body: 'old' }], { partitionId: '1' });
    expect((await producer.getPartitionProperties('1')).isEmpty).toBe(false);
    await until(
      async () => (await producer.getPartitionProperties('1')).isEmpty,
      5_000,
      'retention to drop the event',
    );
  });
});

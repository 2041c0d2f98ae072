/** Epoch (owner level) receivers and the reader quota, seen through the real client. */
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type Subscription,
} from '@azure/event-hubs';
import type { EventHubsEmulator } from '../src/index.js';
import { NO_RETRY, startEmulator, until } from './support.js';

const HUB = 'epochs';
jest.setTimeout(30_000);
let emulator: EventHubsEmulator;
let producer: EventHubProducerClient;
const consumers: EventHubConsumerClient[] = [];
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ hubs: [{ name: HUB, partitionCount: 2, consumerGroups: ['q'] }] });
  producer = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: NO_RETRY });
});

afterAll(async () => {
  await Promise.all(subscriptions.map((s) => s.close()));
  await Promise.all(consumers.map((c) => c.close()));
  await producer?.close();
  await emulator?.close();
});

interface Reader {
  events: unknown[];
  errors: Array<Error & { code?: string }>;
}

/** Subscribes to one partition with its own client (its own connection, like separate processes). */
function reader(partitionId: string, group: string, ownerLevel?: number): Reader {
  const consumer = new EventHubConsumerClient(group, emulator.connectionString(HUB), {
    retryOptions: NO_RETRY,
  });
  consumers.push(consumer);
  const r: Reader = { events: [], errors: [] };
  subscriptions.push(
    consumer.subscribe(
      partitionId,
      {
        processEvents: async (events) => void r.events.push(...events.map((e) => e.body)),
        processError: async (err) => void r.errors.push(err as Error & { code?: string }),
      },
      {
        startPosition: earliestEventPosition,
        maxWaitTimeInSeconds: 1,
        ...(ownerLevel === undefined ? {} : { ownerLevel }),
      },
    ),
  );
  return r;
}

test('a newer epoch steals the partition; an older one is refused', async () => {
  await producer.sendBatch([{ body: 'a' }], { partitionId: '0' });
  const first = reader('0', '$Default', 1);
  await until(() => first.events.length === 1, 10_000, 'the first reader to get the event');
  const second = reader('0', '$Default', 2);
  await until(() => second.events.length === 1, 10_000, 'the second reader to get the event');
  await until(() => first.errors.length > 0, 10_000, 'the first reader to lose the link');
  expect(first.errors[0]!.code).toBe('ReceiverDisconnectedError');
  const older = reader('0', '$Default', 1);
  await until(() => older.errors.length > 0, 10_000, 'the older reader to be refused');
  expect(older.errors[0]!.code).toBe('ReceiverDisconnectedError');
  expect(older.events).toEqual([]);
  await producer.sendBatch([{ body: 'b' }], { partitionId: '0' });
  await until(() => second.events.length === 2, 10_000, 'the owner to keep reading');
  expect(second.errors).toEqual([]);
});

test('a reader without epoch is refused while an epoch reader owns the partition', async () => {
  const owner = reader('1', '$Default', 1); // the client sends no epoch for ownerLevel 0 without a checkpoint store
  await producer.sendBatch([{ body: 'owned' }], { partitionId: '1' });
  await until(() => owner.events.length === 1, 10_000, 'the owner to be reading');
  const plain = reader('1', '$Default');
  await until(() => plain.errors.length > 0, 10_000, 'the plain reader to be refused');
  expect(plain.errors[0]!.code).toBe('ReceiverDisconnectedError');
  expect(owner.errors).toEqual([]);
});

test('five readers without epoch per partition and consumer group; the sixth is QuotaExceededError', async () => {
  await producer.sendBatch([{ body: 'q' }], { partitionId: '1' });
  const five = [0, 1, 2, 3, 4].map(() => reader('1', 'q'));
  await until(() => five.every((r) => r.events.includes('q')), 10_000, 'five readers to get the event');
  const sixth = reader('1', 'q');
  await until(() => sixth.errors.length > 0, 10_000, 'the sixth reader to be refused');
  expect(sixth.errors[0]!.code).toBe('QuotaExceededError');
  expect(five.every((r) => r.errors.length === 0)).toBe(true);
  // a reader that leaves frees its place
  await subscriptions[subscriptions.length - 1]!.close(); // the refused sixth (so it cannot retry into the place)
  await subscriptions[subscriptions.length - 2]!.close(); // the fifth
  const next = reader('1', 'q');
  await until(() => next.events.includes('q'), 10_000, 'a new reader to take the freed place');
  expect(next.errors).toEqual([]);
});

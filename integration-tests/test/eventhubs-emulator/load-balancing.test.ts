/**
 * The load-balancing EventHubConsumerClient with the blob checkpoint store on Azurite, against
 * the emulator in this process: three consumers share four partitions, checkpoint, and a new
 * consumer resumes from the checkpoints.
 *
 * @brokers azurite
 */
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  type CheckpointStore,
  type Subscription,
} from '@azure/event-hubs';
import { ContainerClient } from '@azure/storage-blob';
import { EventHubsEmulator } from '@eventport/eventhubs-emulator';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

const HUB = 'balanced';
const PARTITIONS = ['0', '1', '2', '3'];
let emulator: EventHubsEmulator;
let producer: EventHubProducerClient;
let container: ContainerClient;
let store: CheckpointStore;
const consumers: EventHubConsumerClient[] = [];
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  emulator = await EventHubsEmulator.start({
    port: 0,
    hubs: [{ name: HUB, partitionCount: 4, consumerGroups: ['workers'] }],
  });
  producer = new EventHubProducerClient(emulator.connectionString(HUB), { retryOptions: { maxRetries: 0 } });
  container = new ContainerClient(
    requireEnv('EVENTPORT_AZURE_STORAGE_CONNECTION_STRING'),
    uniqueName('eh-checkpoints'),
  );
  await container.create();
  store = new BlobCheckpointStore(container) as unknown as CheckpointStore;
});

afterAll(async () => {
  await Promise.all(subscriptions.map((s) => s.close()));
  await Promise.all(consumers.map((c) => c.close()));
  await producer?.close();
  await emulator?.close();
  await container?.deleteIfExists();
});

interface Worker {
  readonly id: string;
  readonly bodies: string[];
  readonly subscription: Subscription;
}

/** One load-balanced consumer that checkpoints after every batch. */
function worker(): Worker {
  const client = new EventHubConsumerClient('workers', emulator.connectionString(HUB), store, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200 },
    loadBalancingOptions: {
      strategy: 'balanced',
      updateIntervalInMs: 300,
      partitionOwnershipExpirationIntervalInMs: 3_000,
    },
  });
  consumers.push(client);
  const bodies: string[] = [];
  const subscription = client.subscribe(
    {
      processEvents: async (events, context) => {
        bodies.push(...events.map((e) => String(e.body)));
        if (events.length > 0) await context.updateCheckpoint(events[events.length - 1]!);
      },
      processError: async () => undefined, // ownership moves during balancing are expected
    },
    { maxBatchSize: 50, maxWaitTimeInSeconds: 1 },
  );
  subscriptions.push(subscription);
  return { id: client.identifier, bodies, subscription };
}

async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function owners(): Promise<Map<string, string>> {
  const list = await store.listOwnership(consumers[0]!.fullyQualifiedNamespace, HUB, 'workers');
  return new Map(list.filter((o) => o.ownerId).map((o) => [o.partitionId, o.ownerId]));
}

test('three consumers split four partitions, process every event and checkpoint; a new consumer resumes', async () => {
  const workers = [worker(), worker(), worker()];
  await until(
    async () => {
      const o = await owners();
      return o.size === 4 && workers.every((w) => [...o.values()].includes(w.id));
    },
    20_000,
    'every partition claimed and every consumer owning one',
  );
  const first = PARTITIONS.flatMap((p) => Array.from({ length: 10 }, (_, i) => `p${p}-${i}`));
  for (const p of PARTITIONS)
    await producer.sendBatch(
      first.filter((b) => b.startsWith(`p${p}-`)).map((body) => ({ body })),
      { partitionId: p },
    );
  const seen = () => new Set(workers.flatMap((w) => w.bodies));
  await until(() => first.every((b) => seen().has(b)), 20_000, 'every event processed');
  await until(
    async () => {
      const checkpoints = await store.listCheckpoints(consumers[0]!.fullyQualifiedNamespace, HUB, 'workers');
      return checkpoints.length === 4 && checkpoints.every((c) => c.sequenceNumber === 9);
    },
    10_000,
    'a checkpoint at sequence number 9 on every partition',
  );
  // each event went to the owner of its partition
  const o = await owners();
  for (const w of workers)
    for (const body of w.bodies) expect(o.get(body.slice(1, body.indexOf('-')))).toBeDefined();

  await Promise.all(workers.map((w) => w.subscription.close()));
  const second = PARTITIONS.map((p) => `p${p}-after`);
  for (const p of PARTITIONS) await producer.sendBatch([{ body: `p${p}-after` }], { partitionId: p });
  const resumed = worker();
  await until(
    () => second.every((b) => resumed.bodies.includes(b)),
    20_000,
    'the new consumer to read the new events',
  );
  expect(resumed.bodies.sort()).toEqual([...second].sort()); // nothing before the checkpoints again
});

/**
 * Fault test: the emulator's own process (the built CLI, as `npm run brokers -- up eventhubs`
 * runs it) on a private port and data directory is SIGKILLed after a consumer checkpointed part
 * of a partition; restarted on the same data, it still holds every acknowledged event with the
 * same numbers, and a new consumer with the blob checkpoint store resumes after the checkpoint.
 *
 * @brokers azurite
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import {
  EventHubConsumerClient,
  EventHubProducerClient,
  earliestEventPosition,
  type CheckpointStore,
  type ReceivedEventData,
} from '@azure/event-hubs';
import { ContainerClient } from '@azure/storage-blob';
import { probeAmqp } from '../../src/brokers/amqp-probe.js';
import { log } from '../../src/brokers/log.js';
import { eventhubs } from '../../src/brokers/services/eventhubs.js';
import { waitUntil } from '../../src/brokers/wait.js';
import { requireEnv, uniqueName } from '../support/env.js';
import { freePort } from '../support/free-port.js';

jest.setTimeout(90_000);

const HUB = 'survivor';
let dataDir: string;
let port: number;
let child: ChildProcess | undefined;
let container: ContainerClient;
let store: CheckpointStore;

/** Starts the built CLI on `port` with `dataDir`; resolves once it answers AMQP. */
async function startEmulator(): Promise<void> {
  const cli = path.join(
    path.dirname(createRequire(__filename).resolve('@eventport/eventhubs-emulator/package.json')),
    'dist/cli.js',
  );
  child = spawn(
    process.execPath,
    [cli, '--port', String(port), '--data-dir', dataDir, '--hub', `${HUB}:2`, '--quiet'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<string>((resolve) =>
    child!.once('exit', (code) => resolve(`exited with ${code}`)),
  );
  await waitUntil('the emulator process', () => Promise.race([probeAmqp('127.0.0.1', port), exited]), {
    timeoutMs: 15_000,
    intervalMs: 100,
  });
}

function connectionString(): string {
  return `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;EntityPath=${HUB}`;
}

/** Reads partition 0 with the checkpoint store until `count` events arrived; checkpoints after `checkpointAfter` of them. */
async function consume(count: number, checkpointAfter: number): Promise<ReceivedEventData[]> {
  const client = new EventHubConsumerClient('$Default', connectionString(), store, {
    retryOptions: { maxRetries: 0 },
  });
  const got: ReceivedEventData[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`got ${got.length} of ${count} events in 20 s`)), 20_000);
      const subscription = client.subscribe(
        '0',
        {
          processEvents: async (events, context) => {
            for (const e of events) {
              got.push(e);
              if (got.length === checkpointAfter) await context.updateCheckpoint(e);
            }
            if (got.length >= count) void subscription.close().then(resolve, reject);
          },
          processError: async (err) => reject(err),
        },
        { startPosition: earliestEventPosition, maxBatchSize: 100, maxWaitTimeInSeconds: 1 },
      );
    });
  } finally {
    clearTimeout(timer);
    await client.close();
  }
  return got;
}

beforeAll(async () => {
  await eventhubs.install(log); // builds the package if dist is missing or stale
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventhubs-kill-'));
  port = await freePort();
  container = new ContainerClient(
    requireEnv('EVENTPORT_AZURE_STORAGE_CONNECTION_STRING'),
    uniqueName('eh-kill'),
  );
  await container.create();
  store = new BlobCheckpointStore(container) as unknown as CheckpointStore;
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await container?.deleteIfExists();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('events and numbering survive SIGKILL; the consumer resumes from its checkpoint', async () => {
  await startEmulator();
  const producer = new EventHubProducerClient(connectionString(), { retryOptions: { maxRetries: 0 } });
  await producer.sendBatch(
    Array.from({ length: 10 }, (_, i) => ({ body: `e${i}` })),
    { partitionId: '0' },
  );
  const before = await consume(10, 4); // checkpoint at e3 (sequence number 3)
  await producer.close();

  const killed = new Promise((resolve) => child!.once('exit', resolve));
  child!.kill('SIGKILL');
  await killed;
  await startEmulator();

  const after = await consume(6, 0);
  expect(after.map((e) => e.body)).toEqual(['e4', 'e5', 'e6', 'e7', 'e8', 'e9']);
  const view = (e: ReceivedEventData) => [e.body, e.sequenceNumber, e.offset, e.enqueuedTimeUtc.getTime()];
  expect(after.map(view)).toEqual(before.slice(4).map(view));
  const producer2 = new EventHubProducerClient(connectionString(), { retryOptions: { maxRetries: 0 } });
  try {
    await producer2.sendBatch([{ body: 'e10' }], { partitionId: '0' });
    expect((await producer2.getPartitionProperties('0')).lastEnqueuedSequenceNumber).toBe(10);
  } finally {
    await producer2.close();
  }
});

/** Authorization, missing entities and size limits, as the real client reports them. */
import { createHmac } from 'node:crypto';
import { EventHubConsumerClient, EventHubProducerClient, earliestEventPosition } from '@azure/event-hubs';
import type { EventHubsEmulator } from '../src/index.js';
import { NO_RETRY, receive, startEmulator } from './support.js';

jest.setTimeout(30_000);
let emulator: EventHubsEmulator;
const clients: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  emulator = await startEmulator({
    hubs: [
      { name: 'known', partitionCount: 2, consumerGroups: ['cg'] },
      { name: 'sizes', partitionCount: 2, consumerGroups: [] },
    ],
    autoCreate: false,
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await emulator?.close();
});

function producer(connectionString: string, hub?: string): EventHubProducerClient {
  const p = hub
    ? new EventHubProducerClient(connectionString, hub, { retryOptions: NO_RETRY })
    : new EventHubProducerClient(connectionString, { retryOptions: NO_RETRY });
  clients.push(p);
  return p;
}

function sasToken(resource: string, key: string, expirySeconds: number): string {
  const sr = encodeURIComponent(resource);
  const sig = encodeURIComponent(
    createHmac('sha256', key).update(`${sr}\n${expirySeconds}`).digest('base64'),
  );
  return `SharedAccessSignature sr=${sr}&sig=${sig}&se=${expirySeconds}&skn=RootManageSharedAccessKey`;
}

test('the right key is accepted', async () => {
  const p = producer(emulator.connectionString('known'));
  await expect(p.getEventHubProperties()).resolves.toMatchObject({ name: 'known' });
  await expect(p.sendBatch([{ body: 'ok' }])).resolves.toBeUndefined();
});

test('a wrong key is refused: UnauthorizedError on management and on send', async () => {
  const wrong = emulator
    .connectionString('known')
    .replace('SharedAccessKey=SAS_KEY_VALUE', 'SharedAccessKey=WRONG');
  const p = producer(wrong);
  await expect(p.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
  await expect(p.sendBatch([{ body: 'x' }], { partitionId: '1' })).rejects.toMatchObject({
    code: 'UnauthorizedError',
  });
  const props = await producer(emulator.connectionString('known')).getPartitionProperties('1');
  expect(props.lastEnqueuedSequenceNumber).toBe(-1); // the refused send stored nothing
});

test('an expired token is refused, a valid pre-signed one accepted', async () => {
  const resource = `sb://127.0.0.1:${emulator.port}/known`;
  const endpoint = `Endpoint=sb://127.0.0.1:${emulator.port};UseDevelopmentEmulator=true;EntityPath=known`;
  const expired = producer(
    `${endpoint};SharedAccessSignature=${sasToken(resource, 'SAS_KEY_VALUE', Math.floor(Date.now() / 1000) - 60)}`,
  );
  await expect(expired.getEventHubProperties()).rejects.toMatchObject({ code: 'UnauthorizedError' });
  expect(String(((await expired.getEventHubProperties().catch((e: Error) => e)) as Error).message)).toMatch(
    /expired/i,
  );
  const valid = producer(
    `${endpoint};SharedAccessSignature=${sasToken(resource, 'SAS_KEY_VALUE', Math.floor(Date.now() / 1000) + 600)}`,
  );
  await expect(valid.getEventHubProperties()).resolves.toMatchObject({ name: 'known' });
});

test('an unknown hub is MessagingEntityNotFoundError when creation on first use is off', async () => {
  const p = producer(emulator.connectionString(), 'missing');
  await expect(p.getEventHubProperties()).rejects.toMatchObject({ code: 'MessagingEntityNotFoundError' });
  await expect(p.sendBatch([{ body: 'x' }])).rejects.toMatchObject({ code: 'MessagingEntityNotFoundError' });
});

test('an unknown consumer group is MessagingEntityNotFoundError', async () => {
  const consumer = new EventHubConsumerClient('nope', emulator.connectionString('known'), {
    retryOptions: NO_RETRY,
  });
  clients.push(consumer);
  const error = await new Promise<Error & { code?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error within 10 s')), 10_000);
    const sub = consumer.subscribe(
      '0',
      {
        processEvents: async () => undefined,
        processError: async (err) => {
          clearTimeout(timer);
          void sub.close();
          resolve(err as Error & { code?: string });
        },
      },
      { startPosition: earliestEventPosition },
    );
  });
  expect(error.code).toBe('MessagingEntityNotFoundError');
});

test('the sender link advertises 1 MiB: batches are sized by it, an oversize event is MessageTooLargeError', async () => {
  const p = producer(emulator.connectionString('sizes'));
  const batch = await p.createBatch({ partitionId: '0' });
  expect(batch.maxSizeInBytes).toBe(1024 * 1024);
  expect(batch.tryAdd({ body: Buffer.alloc(1024 * 1024) })).toBe(false);
  expect(batch.tryAdd({ body: Buffer.alloc(900 * 1024, 7) })).toBe(true);
  await p.sendBatch(batch);
  // a large event also comes back whole (split over several transfer frames)
  const consumer = new EventHubConsumerClient('$Default', emulator.connectionString('sizes'), {
    retryOptions: NO_RETRY,
  });
  clients.push(consumer);
  const [big] = await receive(consumer, '0', earliestEventPosition, 1);
  expect(Buffer.from(big!.body as Uint8Array).equals(Buffer.alloc(900 * 1024, 7))).toBe(true);
  const tooLarge = await p
    .sendBatch([{ body: Buffer.alloc(1024 * 1024 + 10) }], { partitionId: '1' })
    .catch((e: Error) => e);
  expect(tooLarge).toMatchObject({ code: 'MessageTooLargeError' });
  expect((tooLarge as Error).message).toMatch(/exceeds the limit \(1048576 bytes\)/); // the emulator's refusal
  const props = await p.getPartitionProperties('1');
  expect(props.lastEnqueuedSequenceNumber).toBe(-1);
});

test('an unknown partition id is ArgumentOutOfRangeError for properties and sends', async () => {
  const p = producer(emulator.connectionString('known'));
  await expect(p.getPartitionProperties('7')).rejects.toMatchObject({ code: 'ArgumentOutOfRangeError' });
  await expect(p.sendBatch([{ body: 'x' }], { partitionId: '7' })).rejects.toMatchObject({
    code: 'ArgumentOutOfRangeError',
  });
});

test('a consumer with a wrong key gets UnauthorizedError', async () => {
  const wrong = emulator
    .connectionString('known')
    .replace('SharedAccessKey=SAS_KEY_VALUE', 'SharedAccessKey=WRONG');
  const consumer = new EventHubConsumerClient('$Default', wrong, { retryOptions: NO_RETRY });
  clients.push(consumer);
  const error = await new Promise<Error & { code?: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no error within 10 s')), 10_000);
    const sub = consumer.subscribe(
      '0',
      {
        processEvents: async () => undefined,
        processError: async (err) => {
          clearTimeout(timer);
          void sub.close();
          resolve(err as Error & { code?: string });
        },
      },
      { startPosition: earliestEventPosition },
    );
  });
  expect(error.code).toBe('UnauthorizedError');
});

test('a token signed under an unknown key name is refused', async () => {
  const other = emulator
    .connectionString('known')
    .replace('SharedAccessKeyName=RootManageSharedAccessKey', 'SharedAccessKeyName=SomeoneElse');
  const error = await producer(other)
    .getEventHubProperties()
    .catch((e: Error & { code?: string }) => e);
  expect(error).toMatchObject({ code: 'UnauthorizedError' });
  expect((error as Error).message).toMatch(/unknown key name 'SomeoneElse'/);
});

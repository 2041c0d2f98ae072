/**
 * The `eventhubs` broker service (what `npm run brokers -- up eventhubs` starts) reached through
 * EVENTPORT_EVENTHUBS_CONNECTION_STRING with the real client: Microsoft's emulator defaults (the
 * hubs of eventhubs-emulator/Config.json, the development key) work unchanged.
 *
 * @brokers eventhubs
 */
import { EventHubConsumerClient, EventHubProducerClient, type ReceivedEventData } from '@azure/event-hubs';
import { requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(30_000);

test('the configured hubs and consumer groups are served; an event round-trips', async () => {
  const cs = requireEnv('EVENTPORT_EVENTHUBS_CONNECTION_STRING');
  expect(cs).toContain('UseDevelopmentEmulator=true');
  const producer = new EventHubProducerClient(cs, 'eventport', { retryOptions: { maxRetries: 0 } });
  const consumer = new EventHubConsumerClient('billing', cs, 'eventport', {
    retryOptions: { maxRetries: 0 },
  });
  try {
    expect((await producer.getEventHubProperties()).partitionIds).toEqual(['0', '1', '2', '3']);
    const before = await producer.getPartitionProperties('2');
    const id = uniqueName('smoke');
    await producer.sendBatch([{ body: { id }, properties: { id } }], { partitionId: '2' });
    const event = await new Promise<ReceivedEventData>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no event within 10 s')), 10_000);
      const subscription = consumer.subscribe(
        '2',
        {
          processEvents: async (events) => {
            if (events[0]) {
              clearTimeout(timer);
              void subscription.close().then(() => resolve(events[0]!), reject);
            }
          },
          processError: async (err) => reject(err),
        },
        { startPosition: { sequenceNumber: before.lastEnqueuedSequenceNumber }, maxWaitTimeInSeconds: 1 },
      );
    });
    expect(event).toMatchObject({
      body: { id },
      properties: { id },
      sequenceNumber: before.lastEnqueuedSequenceNumber + 1,
    });
  } finally {
    await producer.close();
    await consumer.close();
  }
});

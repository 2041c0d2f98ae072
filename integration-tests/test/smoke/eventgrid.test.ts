/**
 * The real Azure Event Grid clients against the `eventgrid` service (EventPort's emulator, started
 * by the global setup), reached only through the variables the setup exports: a namespace topic
 * publish + receive + acknowledge, and a basic topic publish.
 *
 * @brokers eventgrid
 */
import { AzureKeyCredential as PublisherKey, EventGridPublisherClient } from '@azure/eventgrid';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

test('@azure/eventgrid-namespaces publishes, receives and acknowledges one event', async () => {
  const endpoint = requireEnv('EVENTPORT_EVENTGRID_ENDPOINT');
  const key = new AzureKeyCredential(requireEnv('EVENTPORT_EVENTGRID_KEY'));
  const topic = uniqueName('smoke');
  const sender = new EventGridSenderClient(endpoint, key, topic, { allowInsecureConnection: true });
  const receiver = new EventGridReceiverClient(endpoint, key, topic, 'smoke-sub', {
    allowInsecureConnection: true,
  });
  await sender.sendEvents({
    type: 'smoke.test',
    source: '/smoke',
    id: 'smoke-1',
    data: { hello: 'eventgrid' },
  });
  const { details } = await deadline(
    receiver.receiveEvents({ maxWaitTime: 10 }),
    30_000,
    `receive on ${topic}`,
  );
  expect(details.map((d) => [d.event.id, d.event.data, d.brokerProperties.deliveryCount])).toEqual([
    ['smoke-1', { hello: 'eventgrid' }, 1],
  ]);
  const ack = await receiver.acknowledgeEvents([details[0]?.brokerProperties.lockToken as string]);
  expect(ack.failedLockTokens).toEqual([]);
});

test('@azure/eventgrid publishes to the basic topic endpoint', async () => {
  const client = new EventGridPublisherClient(
    requireEnv('EVENTPORT_EVENTGRID_TOPIC_ENDPOINT'),
    'CloudEvent',
    new PublisherKey(requireEnv('EVENTPORT_EVENTGRID_KEY')),
    { allowInsecureConnection: true },
  );
  await client.send([{ type: 'smoke.test', source: '/smoke', data: { n: 1 } }]); // rejects unless the emulator answers 200
});

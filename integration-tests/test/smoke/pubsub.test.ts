/**
 * Raw @google-cloud/pubsub against the Pub/Sub emulator: create a topic and a subscription,
 * publish one message, receive and ack it.
 *
 * @brokers pubsub
 */
import { PubSub, type Message } from '@google-cloud/pubsub';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

jest.setTimeout(60_000);

test('@google-cloud/pubsub publishes and receives one message', async () => {
  requireEnv('PUBSUB_EMULATOR_HOST'); // the client switches to the emulator when this is set
  const pubsub = new PubSub({ projectId: process.env.PUBSUB_PROJECT_ID ?? 'eventport-test' });
  const [topic] = await pubsub.createTopic(uniqueName('smoke'));
  const [subscription] = await topic.createSubscription(uniqueName('smoke-sub'));
  try {
    const received = new Promise<Message>((resolve) => {
      subscription.on('message', (message: Message) => {
        message.ack();
        resolve(message);
      });
    });
    const messageId = await topic.publishMessage({
      data: Buffer.from('hello pubsub'),
      attributes: { 'ce-type': 'smoke.test' },
    });
    const message = await deadline(received, 30_000, `receive on ${subscription.name}`);

    expect(message.id).toBe(messageId);
    expect(message.data.toString('utf8')).toBe('hello pubsub');
    expect(message.attributes['ce-type']).toBe('smoke.test');
  } finally {
    await subscription.close();
    await subscription.delete();
    await topic.delete();
    await pubsub.close();
  }
});

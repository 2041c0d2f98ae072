/**
 * Google's Pub/Sub emulator (0.8.20) and a cancelled Pull, through the raw v1 client: the
 * emulator does not end the call (its gRPC server throws NoSuchMethodError in
 * ServerCallImpl.closedInternal, once per cancel, in its log) and keeps it waiting; a message
 * published next is handed to that dead call and reaches a live Pull only after its ack deadline.
 *
 * Why it matters here: a closing EventPort consumer cancels its Pulls in flight (so close does not
 * wait up to pullTimeoutMs), as Google's own client ends its streams. On the emulator the next
 * consumer of that subscription then sees the first messages up to one ack deadline late. The
 * service ends a cancelled call; nothing is lost either way (at-least-once: the deadline expires
 * and the message is delivered again).
 *
 * @brokers pubsub
 */
import { v1 } from '@google-cloud/pubsub';
import * as grpc from '@grpc/grpc-js';
import { uniqueName } from '../support/env.js';
import { emulatorHost, projectId } from '../pubsub/support/pubsub.js';

jest.setTimeout(60_000);

test('a cancelled Pull keeps taking messages on the emulator: the next Pull gets them after the ack deadline', async () => {
  const [host, port] = emulatorHost().split(':') as [string, string];
  const options = { servicePath: host, port: Number(port), sslCreds: grpc.credentials.createInsecure() };
  const subscriber = new v1.SubscriberClient(options);
  const publisher = new v1.PublisherClient(options);
  const topic = `projects/${projectId()}/topics/${uniqueName('zombie')}`;
  const subscription = `projects/${projectId()}/subscriptions/${uniqueName('zombie')}`;
  try {
    await publisher.createTopic({ name: topic });
    await subscriber.createSubscription({ name: subscription, topic, ackDeadlineSeconds: 10 });
    await subscriber.initialize();
    type Cancellable = Promise<unknown> & { cancel(): void };
    const pull = (subscriber.innerApiCalls as Record<string, (r: object, o: object) => Cancellable>).pull!;
    const call = pull.call(
      subscriber.innerApiCalls,
      { subscription, maxMessages: 10 },
      { retry: null, timeout: 30_000 },
    );
    await new Promise((r) => setTimeout(r, 300)); // the call is waiting on an empty subscription
    call.cancel();
    await expect(call).rejects.toMatchObject({ code: grpc.status.CANCELLED });

    const published = Date.now();
    await publisher.publish({ topic, messages: [{ data: Buffer.from('after the cancel') }] });
    const [response] = await subscriber.pull({ subscription, maxMessages: 10 }, { timeout: 25_000 });
    const waitedMs = Date.now() - published;
    expect(response.receivedMessages?.length).toBe(1);
    // the service would answer at once; the emulator gave it to the cancelled call first
    expect(waitedMs).toBeGreaterThanOrEqual(8_000);
  } finally {
    await subscriber.deleteSubscription({ subscription }).catch(() => undefined);
    await publisher.deleteTopic({ topic }).catch(() => undefined);
    await subscriber.close();
    await publisher.close();
  }
});

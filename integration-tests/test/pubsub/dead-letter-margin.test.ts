/**
 * The subscription's dead-letter policy leaves a margin above the retry budget (issue 16):
 * Pub/Sub's deliveryAttempt counts deliveries no handler saw (messages a closing consumer gave
 * back), so a policy equal to the budget could dead-letter before EventPort's last attempt.
 *
 * @brokers pubsub
 */
import type { PubSub } from '@google-cloud/pubsub';
import { connect, silentLogger, type Broker } from '@eventport/core';
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { pubsubUrl, rawClient } from './support/pubsub.js';

jest.setTimeout(60_000);

let raw: PubSub;
let broker: Broker;

beforeAll(async () => {
  raw = rawClient();
  // unordered: Pub/Sub's own dead-lettering is EventPort's (native), with the consumer's budget
  broker = await connect(pubsubUrl('&ordering=false&pullTimeoutMs=2000'), { logger: silentLogger });
});

afterAll(async () => {
  await broker?.close();
  await raw?.close();
});

async function policyOf(topic: string): Promise<{ maxDeliveryAttempts?: number | null } | null | undefined> {
  const [subs] = await raw.topic(topic).getSubscriptions();
  expect(subs).toHaveLength(1);
  const [meta] = await subs[0]!.getMetadata();
  return meta.deadLetterPolicy;
}

test.each([
  [5, 15],
  [20, 30],
  [95, 100],
])('a retry budget of %d attempts gets maxDeliveryAttempts %d', async (attempts, expected) => {
  const topic = uniqueName('dl-margin');
  const sub = await broker
    .consumer(topic, { group: 'margin', retry: { attempts, backoff: 'fixed', initialDelayMs: 50 } })
    .subscribe(() => undefined);
  try {
    expect((await policyOf(topic))?.maxDeliveryAttempts).toBe(expected);
  } finally {
    await sub.close();
  }
});

/**
 * Acknowledgements under exactly-once delivery on Google's Pub/Sub emulator: the service confirms
 * each ack, and refuses one whose ack id is no longer valid (its deadline passed or it was nacked:
 * PERMANENT_FAILURE_INVALID_ACK_ID in the error's ErrorInfo, per ack id) while the other ack ids of
 * the same request are acknowledged. EventPort must say exactly which event's ack was refused
 * (logged, never reported as acknowledged), leave the others settled, and the redelivery of the
 * refused one must not be a second effect (the idempotency store of the exactly-once consumer).
 *
 * @brokers pubsub
 */
import { v1, type PubSub } from '@google-cloud/pubsub';
import { connect, type Broker, type Logger } from '@eventport/core';
import type { ReceivedMessage } from '@eventport/core/driver';
import { tapDriver } from '@eventport/conformance';
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { projectId, pubsubUrl, rawClient } from './support/pubsub.js';

jest.setTimeout(90_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

let raw: PubSub;
let client: v1.SubscriberClient;

beforeAll(async () => {
  raw = rawClient();
  client = new v1.SubscriberClient(
    (await raw.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
});

afterAll(async () => {
  await client?.close();
  await raw?.close();
});

test('an ack the service refuses (invalid ack id) names that event only; the others stay acknowledged; its redelivery is no second effect', async () => {
  const topic = uniqueName('eod-ack');
  const subscription = `projects/${projectId()}/subscriptions/${topic}.g`;
  const n = 5;
  const target = 2;
  const received = new Map<number, number>();
  let invalidated: string | undefined;
  const warnings: { message: string; error: string }[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields) =>
      void warnings.push({ message, error: String((fields?.error as Error)?.message) }),
    error: (message, fields) =>
      void warnings.push({ message, error: String((fields?.error as Error)?.message) }),
  };
  const seq = (m: ReceivedMessage) => (m.event.data as { n: number }).n;
  const broker: Broker = await connect(pubsubUrl('&pullTimeoutMs=1000&ordering=false'), {
    logger,
    wrapDriver: tapDriver({
      received: (messages) => {
        for (const m of messages) received.set(seq(m), (received.get(seq(m)) ?? 0) + 1);
      },
      // Just before the first Acknowledge that carries the target, its ack id is made invalid the
      // way a lapsed deadline would (ModifyAckDeadline 0 from outside): the service refuses it.
      ack: async (messages, ack) => {
        const m = messages.find((x) => seq(x) === target);
        if (m !== undefined && invalidated === undefined) {
          invalidated = m.event.id;
          const { ackId } = m.handle as { ackId: string };
          await client.modifyAckDeadline({ subscription, ackIds: [ackId], ackDeadlineSeconds: 0 });
        }
        return ack();
      },
    }),
  });
  const effects = new Map<number, number>();
  let arrived = 0;
  let release!: () => void;
  const allIn = new Promise<void>((r) => (release = r));
  const sub = await broker
    .consumer(topic, { group: 'g', delivery: 'exactly-once', ordering: 'none' })
    .subscribe(async (e) => {
      const k = (e.data as { n: number }).n;
      // the first deliveries finish together, so their acks share one Acknowledge request
      if (++arrived === n) release();
      await allIn;
      effects.set(k, (effects.get(k) ?? 0) + 1);
    });
  try {
    await broker
      .producer(topic)
      .send(Array.from({ length: n }, (_, k) => ({ type: 'eod', source: '/eod', data: { n: k } })));
    await until(() => (received.get(target) ?? 0) >= 2, 30_000, 'the refused event redelivered');
    await until(() => sub.stats.duplicatesSkipped >= 1, 30_000, 'the redelivery skipped as a duplicate');
    await sleep(2_000);

    expect([...effects.entries()].sort((a, b) => a[0] - b[0])).toEqual(
      Array.from({ length: n }, (_, k) => [k, 1]),
    );
    for (let k = 0; k < n; k++) if (k !== target) expect(received.get(k)).toBe(1);
    const refused = warnings.filter((w) => /^ack/.test(w.message));
    expect(refused).toHaveLength(1);
    expect(refused[0]!.error).toMatch(/refused/);
    expect(refused[0]!.error).toMatch(/PERMANENT_FAILURE_INVALID_ACK_ID/);
    expect(refused[0]!.error).toContain(invalidated!);
    expect(refused[0]!.error).toMatch(/1 of 5/);
  } finally {
    await sub.close();
    await broker.close();
  }
});

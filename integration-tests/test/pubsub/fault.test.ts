/**
 * The emulator's port cut mid-stream through a switchable TCP proxy (the emulator keeps its state):
 * an ordered publisher whose publishes fail retries with EventPort's policy (the client's own
 * retries are off), its ordering key is resumed and every event arrives once the port is back, in
 * key order; a subscriber behind the proxy resumes and nothing acknowledged is lost.
 *
 * @brokers pubsub
 */
import { connect, silentLogger, type Broker, type Event } from '@eventport/core';
import '@eventport/pubsub';
import { SwitchableProxy } from '../sqs/support/proxy.js';
import { uniqueName } from '../support/env.js';
import { emulatorHost, pubsubUrl, rawClient } from './support/pubsub.js';

jest.setTimeout(120_000);

let proxy: SwitchableProxy;
let direct: Broker;
let viaProxy: Broker;

beforeAll(async () => {
  const [host, port] = emulatorHost().split(':');
  proxy = new SwitchableProxy(host!, Number(port));
  await proxy.on();
  direct = await connect(pubsubUrl('&pullTimeoutMs=2000'), { logger: silentLogger });
  viaProxy = await connect(pubsubUrl('&pullTimeoutMs=2000&publishTimeoutMs=2000', new URL(proxy.url).host), {
    logger: silentLogger,
  });
});

afterAll(async () => {
  await viaProxy?.close();
  await direct?.close();
  await proxy?.off();
});

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('publishes that fail while the port is cut are retried by EventPort; the key resumes, in order', async () => {
  const topic = uniqueName('fault-pub');
  const got: number[] = [];
  const sub = await direct.consumer(topic, { group: 'order' }).subscribe((e: Event) => {
    got.push((e.data as { n: number }).n);
  });
  try {
    const producer = viaProxy.producer(topic, {
      retry: { attempts: 30, backoff: 'fixed', initialDelayMs: 200, maxDelayMs: 200, jitter: 0 },
    });
    const batch = (from: number) =>
      Array.from({ length: 10 }, (_, i) => ({ type: 'f', source: '/f', key: 'k', data: { n: from + i } }));
    await producer.send(batch(0));
    await proxy.off();
    const during = producer.send(batch(10));
    await new Promise((r) => setTimeout(r, 2_500)); // several failed attempts
    await proxy.on();
    await during;
    await producer.send(batch(20));
    await until(() => new Set(got).size >= 30, 45_000, 'all 30 events');
    const firsts = got.filter((n, i) => got.indexOf(n) === i);
    expect(firsts).toEqual(Array.from({ length: 30 }, (_, i) => i));
  } finally {
    await sub.close();
  }
});

test('a publish whose retry budget runs out while the port is cut fails retryably, and the key is not stuck', async () => {
  const topic = uniqueName('fault-budget');
  await direct.createTopic!(topic);
  const producer = viaProxy.producer(topic, {
    retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 100, maxDelayMs: 100, jitter: 0 },
  });
  await producer.send([{ type: 'f', source: '/f', key: 'k', data: 0 }]);
  await proxy.off();
  const err = await producer.send([{ type: 'f', source: '/f', key: 'k', data: 1 }]).then(
    () => undefined,
    (e: unknown) => e,
  );
  await proxy.on();
  expect(err).toMatchObject({ code: 'BROKER_UNAVAILABLE', retryable: true });
  // gRPC reconnects with backoff once the port is back: a budget that outlasts it
  const patient = viaProxy.producer(topic, {
    retry: { attempts: 40, backoff: 'fixed', initialDelayMs: 250, maxDelayMs: 250, jitter: 0 },
  });
  await expect(patient.send([{ type: 'f', source: '/f', key: 'k', data: 2 }])).resolves.toHaveLength(1);
});

test('a subscriber behind the proxy resumes after the cut; nothing acknowledged is lost', async () => {
  const topic = uniqueName('fault-sub');
  const seen = new Set<number>();
  const sub = await viaProxy.consumer(topic, { group: 'resume', ordering: 'none' }).subscribe((e) => {
    seen.add((e.data as { n: number }).n);
  });
  try {
    const producer = direct.producer(topic);
    await producer.send(Array.from({ length: 50 }, (_, n) => ({ type: 's', source: '/s', data: { n } })));
    await until(() => seen.size >= 1, 30_000, 'first deliveries');
    await proxy.off();
    await producer.send(
      Array.from({ length: 50 }, (_, i) => ({ type: 's', source: '/s', data: { n: 50 + i } })),
    );
    await new Promise((r) => setTimeout(r, 2_000));
    await proxy.on();
    await until(() => seen.size >= 100, 60_000, 'all 100 after the port came back');
    expect(seen.size).toBe(100);
  } finally {
    await sub.close();
  }
});

test('what an emulator restart does (it keeps nothing): a vanished topic and subscription are re-created, consumption resumes', async () => {
  const topic = uniqueName('vanish');
  const raw = rawClient();
  const seen = new Set<number>();
  const sub = await direct.consumer(topic, { group: 'v', ordering: 'none' }).subscribe((e) => {
    seen.add((e.data as { n: number }).n);
  });
  const producer = direct.producer(topic, {
    retry: { attempts: 20, backoff: 'fixed', initialDelayMs: 200, maxDelayMs: 200, jitter: 0 },
  });
  try {
    await producer.send([{ type: 'v', source: '/v', data: { n: 0 } }]);
    await until(() => seen.has(0), 30_000, 'the first event');
    await raw.subscription(`${topic}.v`).delete();
    await raw.topic(topic).delete();
    await raw.topic(`${topic}.dlq`).delete();
    // the consumer's next Pull finds its subscription gone and re-creates it (and the topics)
    const end = Date.now() + 30_000;
    while (!(await raw.subscription(`${topic}.v`).exists())[0]) {
      if (Date.now() > end) throw new Error('the subscription was not re-created within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await producer.send([{ type: 'v', source: '/v', data: { n: 1 } }]);
    await until(() => seen.has(1), 30_000, 'an event after the re-creation');
    // a producer whose topic vanished re-creates it and its retry goes through
    await raw.topic(topic).delete();
    await expect(producer.send([{ type: 'v', source: '/v', data: { n: 2 } }])).resolves.toHaveLength(1);
  } finally {
    await sub.close();
    await raw.close();
  }
});

/**
 * @eventport/pubsub against Google's Pub/Sub emulator, with the raw @google-cloud/pubsub client
 * on the other side: wire format both ways, dead-letter attributes, undecodable messages, lease
 * extension beyond the ack deadline, drain on close.
 *
 * @brokers pubsub
 */
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import { connect, silentLogger, TopicNotFoundError, type Broker, type Event } from '@eventport/core';
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { emulatorHost, pubsubUrl, rawClient } from './support/pubsub.js';

jest.setTimeout(90_000);

let raw: PubSub;
let broker: Broker;

beforeAll(async () => {
  raw = rawClient();
  broker = await connect(pubsubUrl('&pullTimeoutMs=2000'), { logger: silentLogger });
});

afterAll(async () => {
  await broker?.close();
  await raw?.close();
});

/** A fresh topic with a raw subscription that records what arrives. */
async function rawReader(topic: string): Promise<{ messages: Message[]; sub: Subscription }> {
  const [t] = await raw.topic(topic).get({ autoCreate: true });
  const [sub] = await t.createSubscription(uniqueName('raw'));
  const messages: Message[] = [];
  sub.on('message', (m: Message) => {
    messages.push(m);
    m.ack();
  });
  return { messages, sub };
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('EventPort publishes binary-mode CloudEvents the raw client reads: ce- attributes, ordering key, data', async () => {
  const topic = uniqueName('wire-out');
  const { messages, sub } = await rawReader(topic);
  try {
    const [receipt] = await broker.producer(topic).send([
      {
        type: 'order.created',
        source: '/shop',
        subject: 'o-1',
        key: 'cust-42',
        data: { total: 42 },
        extensions: { tenant: 'acme' },
      },
    ]);
    await until(() => messages.length >= 1, 30_000, 'raw receive');
    const m = messages[0]!;
    expect(m.attributes).toMatchObject({
      'ce-id': receipt!.id,
      'ce-source': '/shop',
      'ce-type': 'order.created',
      'ce-specversion': '1.0',
      'ce-subject': 'o-1',
      'ce-tenant': 'acme',
      'content-type': 'application/json',
    });
    expect(m.attributes['ce-time']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(m.orderingKey).toBe('cust-42');
    expect(JSON.parse(m.data.toString('utf8'))).toEqual({ total: 42 });
  } finally {
    await sub.close();
  }
});

test('messages of a raw publisher are consumed intact: plain, binary ce- and structured mode', async () => {
  const topic = uniqueName('wire-in');
  const got: Event[] = [];
  const sub = await broker.consumer(topic, { group: 'in' }).subscribe((e) => {
    got.push(e);
  });
  try {
    const t = raw.topic(topic, { messageOrdering: true });
    const plainId = await t.publishMessage({ data: Buffer.from([0, 1, 2, 255]), orderingKey: 'k-plain' });
    await t.publishMessage({
      data: Buffer.from('hello'),
      attributes: {
        'ce-specversion': '1.0',
        'ce-id': 'bin-1',
        'ce-source': '/raw',
        'ce-type': 'raw.binary',
        'ce-traceparent': '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'content-type': 'text/plain',
      },
    });
    await t.publishMessage({
      data: Buffer.from(
        JSON.stringify({
          specversion: '1.0',
          id: 'str-1',
          source: '/raw',
          type: 'raw.structured',
          data: [1, 2],
        }),
      ),
      attributes: { 'content-type': 'application/cloudevents+json' },
    });
    await until(() => got.length >= 3, 30_000, 'EventPort receive');
    const byType = new Map(got.map((e) => [e.type, e]));
    const plain = byType.get('eventport.plain')!;
    expect(plain.id).toBe(plainId);
    expect(plain.key).toBe('k-plain');
    expect(plain.source).toContain(`/topics/${topic}`);
    expect(plain.data).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(byType.get('raw.binary')).toMatchObject({ id: 'bin-1', source: '/raw', data: 'hello' });
    expect(byType.get('raw.binary')!.extensions.traceparent).toMatch(/^00-0af7/);
    expect(byType.get('raw.structured')).toMatchObject({ id: 'str-1', data: [1, 2] });
  } finally {
    await sub.close();
  }
});

test('dead-letter: after the retry budget the event is in <topic>.dlq with the reason and attempts; an undecodable message goes there too, with its reason, never to the handler', async () => {
  const topic = uniqueName('dl');
  const dlq = raw.topic(`${topic}.dlq`);
  const { messages: dead, sub: dlqSub } = await rawReader(`${topic}.dlq`);
  let poisonCalls = 0;
  const handled: Event[] = [];
  const sub = await broker
    .consumer(topic, {
      group: 'dl',
      retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 50, maxDelayMs: 50, jitter: 0 },
    })
    .subscribe((e) => {
      handled.push(e);
      if (e.type === 'poison') {
        poisonCalls++;
        throw new Error('poison pill');
      }
    });
  try {
    await broker.producer(topic).send([{ type: 'poison', source: '/t', key: 'p', data: { n: 1 } }]);
    // ce- attributes with an unknown specversion: not an event, and a plain wrap would lose them
    await raw.topic(topic).publishMessage({
      data: Buffer.from('x'),
      attributes: { 'ce-specversion': '0.3', 'ce-id': 'u-1', 'ce-source': '/raw', 'ce-type': 'old.style' },
    });
    await until(() => dead.length >= 2, 45_000, 'two dead-lettered messages');
    const poison = dead.find((m) => m.attributes['ce-type'] === 'poison')!;
    expect(poison.attributes['ce-deadletterreason']).toMatch(/poison pill/);
    expect(poison.attributes['ce-deadletterattempts']).toBe('2');
    expect(JSON.parse(poison.data.toString())).toEqual({ n: 1 });
    const undecodable = dead.find((m) => m.attributes['ce-id'] === 'u-1')!;
    expect(undecodable.attributes['eventport-undecodable']).toMatch(/invalid event/);
    expect(undecodable.attributes['ce-specversion']).toBe('0.3');
    expect(undecodable.data.toString()).toBe('x');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(poisonCalls).toBe(2);
    expect(handled.every((e) => e.type === 'poison')).toBe(true);
    expect(dead).toHaveLength(2);
  } finally {
    await sub.close();
    await dlqSub.close();
    void dlq;
  }
});

test('lease extension: a handler running twice the 10 s ack deadline keeps its message; nobody else gets it', async () => {
  const topic = uniqueName('lease');
  let deliveries = 0;
  let finished = 0;
  const open = () =>
    broker.consumer(topic, { group: 'lease', leaseMs: 10_000 }).subscribe(async () => {
      deliveries++;
      await new Promise((r) => setTimeout(r, 21_000));
      finished++;
    });
  const a = await open();
  const b = await open();
  try {
    await broker.producer(topic).send([{ type: 'slow', source: '/t', data: 1 }]);
    await until(() => finished >= 1, 60_000, 'the slow handler');
    await new Promise((r) => setTimeout(r, 3_000));
    expect(deliveries).toBe(1);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('drain on close: in-flight handlers finish and are acknowledged; a new consumer gets only the rest', async () => {
  const topic = uniqueName('drain');
  const started = new Set<number>();
  const finished = new Set<number>();
  const first = await broker
    .consumer(topic, { group: 'drain', concurrency: 4, ordering: 'none' })
    .subscribe(async (e) => {
      const n = (e.data as { n: number }).n;
      started.add(n);
      await new Promise((r) => setTimeout(r, 300));
      finished.add(n);
    });
  await broker
    .producer(topic)
    .send(Array.from({ length: 40 }, (_, n) => ({ type: 'd', source: '/t', data: { n } })));
  await until(() => finished.size >= 8, 30_000, 'first handlers');
  await first.close({ drainTimeoutMs: 10_000 });
  expect([...started].sort()).toEqual([...finished].sort());
  const drained = new Set(finished);
  const again = new Set<number>();
  const second = await broker
    .consumer(topic, { group: 'drain', concurrency: 8, ordering: 'none' })
    .subscribe((e) => {
      again.add((e.data as { n: number }).n);
    });
  try {
    await until(() => drained.size + again.size >= 40, 45_000, 'the rest after reopening');
    await new Promise((r) => setTimeout(r, 1_500));
    const redelivered = [...again].filter((n) => drained.has(n));
    expect(redelivered).toEqual([]);
    expect(drained.size + again.size).toBe(40);
  } finally {
    await second.close();
  }
});

test('close returns within the Pull deadline (2 s by default) and loses nothing published meanwhile', async () => {
  const defaults = await connect(pubsubUrl(), { logger: silentLogger });
  try {
    const topic = uniqueName('close-pull');
    const handled: number[] = [];
    const first = await defaults
      .consumer(topic, { group: 'close', concurrency: 2 })
      .subscribe((e) => void handled.push((e.data as { n: number }).n));
    await defaults.producer(topic).send({ type: 'c', source: '/t', data: { n: 1 } });
    await until(() => handled.length === 1, 30_000, 'the first event');
    await new Promise((r) => setTimeout(r, 500)); // the next Pulls are waiting on an empty subscription
    const started = Date.now();
    const closing = first.close();
    await defaults.producer(topic).send({ type: 'c', source: '/t', data: { n: 2 } });
    await closing;
    expect(Date.now() - started).toBeLessThan(6_000);
    const second = await defaults
      .consumer(topic, { group: 'close', concurrency: 2 })
      .subscribe((e) => void handled.push((e.data as { n: number }).n));
    try {
      // a Pull answered while closing gives its message back: the next consumer gets it
      await until(() => handled.includes(2), 30_000, 'the event published during close');
    } finally {
      await second.close();
    }
  } finally {
    await defaults.close();
  }
});

test('printing the broker, its capabilities and its errors shows no credentials', async () => {
  const { inspect } = await import('node:util');
  const secret = 'SECRET-KEY-MATERIAL-123';
  // The emulator ignores credentials (plain TCP); the adapter still holds them.
  const withCreds = await connect(
    {
      kind: 'pubsub',
      projectId: 'eventport-test',
      emulatorHost: emulatorHost(),
      autoCreateTopics: false,
      credentials: { client_email: 'svc@example.invalid', private_key: secret },
    },
    { logger: silentLogger },
  );
  try {
    const err = await withCreds
      .producer(uniqueName('missing'))
      .send([{ type: 't', source: '/s' }])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TopicNotFoundError);
    for (const x of [withCreds, withCreds.capabilities, String(withCreds), err, String(err)]) {
      expect(inspect(x, { depth: Infinity })).not.toContain(secret);
      expect(JSON.stringify(x) ?? '').not.toContain(secret);
    }
  } finally {
    await withCreds.close();
  }
});

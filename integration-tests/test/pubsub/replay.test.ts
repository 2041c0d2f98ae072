/**
 * Replay on Google's Pub/Sub emulator: topics EventPort creates keep their messages (topic message
 * retention), its subscriptions keep acknowledged ones (retainAckedMessages), and a new group's
 * subscription is moved to its start position with Seek right after it is created. The raw client
 * checks the resources and shows the emulator's own behaviour that `latest` has to correct, and
 * its missing Seek on ordered subscriptions (there, receivers skip what was published before the
 * start instead).
 *
 * @brokers pubsub
 */
import { v1, type PubSub } from '@google-cloud/pubsub';
import { connect, ConfigError, silentLogger, type Broker, type StartPosition } from '@eventport/core';
import '@eventport/pubsub';
import { uniqueName } from '../support/env.js';
import { pubsubUrl, rawClient } from './support/pubsub.js';

jest.setTimeout(90_000);

let raw: PubSub;
let broker: Broker;

beforeAll(async () => {
  raw = rawClient();
  broker = await connect(pubsubUrl('&pullTimeoutMs=1000'), { logger: silentLogger });
});

afterAll(async () => {
  await broker?.close();
  await raw?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

function events(from: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({ type: 'r', source: '/replay', data: { n: from + i } }));
}

/** Reads a group until `expected` events arrived (or `ms` passed), then `quietMs` more; returns what arrived. */
async function read(
  topic: string,
  group: string,
  from: StartPosition,
  expected: number,
  ms = 30_000,
): Promise<number[]> {
  const seen: number[] = [];
  const sub = await broker.consumer(topic, { group, from, ordering: 'none' }).subscribe((e) => {
    seen.push((e.data as { n: number }).n);
  });
  try {
    await until(() => seen.length >= expected, ms, `${expected} events in group ${group}`).catch(
      (err: unknown) => {
        if (expected > 0) throw err;
      },
    );
    await sleep(1_500);
  } finally {
    await sub.close();
  }
  return [...seen].sort((a, b) => a - b);
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

test('earliest: a group created after everything was published and consumed reads it all again', async () => {
  const topic = uniqueName('replay-earliest');
  const producer = broker.producer(topic);
  await producer.send(events(0, 20));
  expect(await read(topic, 'first', 'earliest', 20)).toEqual(range(0, 20));
  expect(await read(topic, 'second', 'earliest', 20)).toEqual(range(0, 20));
});

test('a time: a new group gets exactly the events published after it (to the millisecond)', async () => {
  const topic = uniqueName('replay-time');
  const producer = broker.producer(topic);
  await producer.send(events(0, 10));
  await sleep(200);
  const middle = new Date();
  await sleep(200);
  await producer.send(events(10, 10));
  // 200 ms either side: the client's own Subscription.seek(date) would land up to a second early
  expect(await read(topic, 'from-time', { time: middle }, 10)).toEqual(range(10, 10));
});

test('latest: a new group gets none of the backlog the emulator would otherwise hand a new subscription', async () => {
  const topic = uniqueName('replay-latest');
  const producer = broker.producer(topic);
  await producer.send(events(0, 5));
  // the emulator's own behaviour: a raw subscription created now receives the retained backlog
  const [rawSub] = await raw.topic(topic).createSubscription(uniqueName('raw-backlog'));
  const client = new v1.SubscriberClient(
    (await raw.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
  try {
    const [pulled] = await client.pull({ subscription: rawSub.name, maxMessages: 10 }, { timeout: 5_000 });
    expect(pulled.receivedMessages?.length).toBe(5);
  } finally {
    await client.close();
    await rawSub.delete();
  }
  const seen: number[] = [];
  const sub = await broker
    .consumer(topic, { group: 'late', from: 'latest', ordering: 'none' })
    .subscribe((e) => {
      seen.push((e.data as { n: number }).n);
    });
  try {
    await producer.send(events(5, 5));
    await until(() => seen.length >= 5, 30_000, 'the events after the group started');
    await sleep(1_500);
    expect([...seen].sort((a, b) => a - b)).toEqual(range(5, 5));
  } finally {
    await sub.close();
  }
});

test('a group whose subscription exists keeps its position: reopening it from earliest replays nothing', async () => {
  const topic = uniqueName('replay-keep');
  const producer = broker.producer(topic);
  await producer.send(events(0, 10));
  expect(await read(topic, 'g', 'earliest', 10)).toEqual(range(0, 10));
  await producer.send(events(10, 3));
  expect(await read(topic, 'g', 'earliest', 3)).toEqual(range(10, 3));
});

test('the resources: topic message retention and retainAckedMessages for retentionSeconds; 0 turns both off', async () => {
  const topic = uniqueName('replay-res');
  const sub = await broker.consumer(topic, { group: 'g' }).subscribe(() => undefined);
  await sub.close();
  const [topicMeta] = await raw.topic(topic).getMetadata();
  expect(Number(topicMeta.messageRetentionDuration?.seconds)).toBe(604_800);
  const [subMeta] = await raw.subscription(`${topic}.g`).getMetadata();
  expect(subMeta.retainAckedMessages).toBe(true);
  expect(Number(subMeta.messageRetentionDuration?.seconds)).toBe(604_800);
  expect(broker.capabilities.get('replay').level).toBe('native');

  const off = await connect(pubsubUrl('&retentionSeconds=0'), { logger: silentLogger });
  try {
    const plain = uniqueName('replay-off');
    const s = await off.consumer(plain, { group: 'g' }).subscribe(() => undefined);
    await s.close();
    const [plainTopic] = await raw.topic(plain).getMetadata();
    expect(plainTopic.messageRetentionDuration ?? null).toBeNull();
    const [plainSub] = await raw.subscription(`${plain}.g`).getMetadata();
    expect(plainSub.retainAckedMessages).toBe(false);
    expect(off.capabilities.get('replay').level).toBe('unsupported');
    expect(off.capabilities.variant).toMatch(/no-retention/);
  } finally {
    await off.close();
  }
});

test('ordered subscriptions on the emulator, which implements no Seek for them: earliest reads the backlog; a time and latest skip what was published before', async () => {
  const topic = uniqueName('replay-ordered');
  const producer = broker.producer(topic);
  const keyed = (from: number, n: number) => events(from, n).map((e, i) => ({ ...e, key: `k${i % 2}` }));
  await producer.send(keyed(0, 6));
  await sleep(200);
  const middle = new Date();
  await sleep(200);
  await producer.send(keyed(6, 6));
  const readOrdered = async (group: string, from: StartPosition, expected: number): Promise<number[]> => {
    const seen: number[] = [];
    const sub = await broker.consumer(topic, { group, from }).subscribe((e) => {
      seen.push((e.data as { n: number }).n);
    });
    try {
      await until(() => seen.length >= expected, 30_000, `${expected} events in ${group}`);
      await sleep(1_500);
    } finally {
      await sub.close();
    }
    return [...seen].sort((a, b) => a - b);
  };
  // the raw client shows the gap itself
  const [rawSub] = await raw.topic(topic).createSubscription(uniqueName('raw-ordered'), {
    enableMessageOrdering: true,
  });
  try {
    await expect(rawSub.seek(new Date())).rejects.toMatchObject({ code: 12 }); // UNIMPLEMENTED
  } finally {
    await rawSub.delete();
  }
  expect(await readOrdered('ord-earliest', 'earliest', 12)).toEqual(range(0, 12));
  expect(await readOrdered('ord-time', { time: middle }, 6)).toEqual(range(6, 6));
  const late: number[] = [];
  const sub = await broker.consumer(topic, { group: 'ord-latest', from: 'latest' }).subscribe((e) => {
    late.push((e.data as { n: number }).n);
  });
  try {
    await producer.send(keyed(12, 4));
    await until(() => late.length >= 4, 30_000, 'the events after the group started');
    await sleep(1_500);
    expect([...late].sort((a, b) => a - b)).toEqual(range(12, 4));
  } finally {
    await sub.close();
  }
});

test('an offset is refused with a ConfigError before anything is created', async () => {
  const topic = uniqueName('replay-offset');
  const err = await broker
    .consumer(topic, { group: 'g', from: { offset: 0 } })
    .subscribe(() => undefined)
    .then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(ConfigError);
  expect(String((err as Error).message)).toMatch(/no offsets/);
  expect((await raw.topic(topic).exists())[0]).toBe(false);
});

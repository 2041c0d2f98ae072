/**
 * The embedded broker's own features, exercised through its driver (the SPI the
 * portable layer uses) and its inspection API.
 */
import { randomUUID } from 'node:crypto';
import {
  ClosedError,
  ConfigError,
  TopicNotFoundError,
  createEvent,
  registeredSchemesForTest,
} from './helpers.js';
import type { DriverReceiver, ReceivedMessage, ReceiverOptions } from '@eventport/core/driver';
import { MemoryBroker, MemoryDriver, memoryDriverFactory } from '../src/index.js';
import { parseMemoryConfig } from '../src/config.js';
import { DEDUPE_WINDOW_MS, Topic } from '../src/topic.js';

const names: string[] = [];
const drivers: MemoryDriver[] = [];

function driver(query = '', name = `m-${randomUUID().slice(0, 8)}`): MemoryDriver {
  names.push(name);
  const url = new URL(`memory://${name}${query}`);
  const d = memoryDriverFactory.create(url, Object.fromEntries(url.searchParams)) as MemoryDriver;
  drivers.push(d);
  return d;
}

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  for (const n of names.splice(0)) MemoryBroker.reset(n);
});

const ev = (extra: Record<string, unknown> = {}) => createEvent({ type: 't', source: '/s', ...extra });
const rx = (o: Partial<ReceiverOptions> = {}): ReceiverOptions => ({
  group: 'g',
  from: 'earliest',
  leaseMs: 30_000,
  orderedByKey: true,
  ...o,
});

/** Receives until `n` messages arrived (bounded). */
async function take(r: DriverReceiver, n: number, timeoutMs = 2_000): Promise<ReceivedMessage[]> {
  const out: ReceivedMessage[] = [];
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  try {
    while (out.length < n && !ac.signal.aborted) out.push(...(await r.receive(n - out.length, ac.signal)));
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Receives whatever arrives within `ms`. */
async function drainFor(r: DriverReceiver, ms: number): Promise<ReceivedMessage[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), ms);
  const out: ReceivedMessage[] = [];
  try {
    while (!ac.signal.aborted) out.push(...(await r.receive(100, ac.signal)));
  } finally {
    clearTimeout(timer);
  }
  return out;
}

async function send(d: MemoryDriver, topic: string, events: ReturnType<typeof ev>[], idempotent = false) {
  const s = await d.openSender(topic, { idempotent });
  return s.send(events.map((event) => ({ event })));
}

describe('configuration', () => {
  it('reads the instance name from the URL host and options from the query', () => {
    const c = parseMemoryConfig(
      new URL('memory://orders?partitions=2&maxEventSize=500&autoCreateTopics=false&retentionMs=60000'),
      {
        partitions: '2',
        maxEventSize: '500',
        autoCreateTopics: 'false',
        retentionMs: '60000',
      },
    );
    expect(c).toEqual({
      name: 'orders',
      partitions: 2,
      maxEventSize: 500,
      autoCreateTopics: false,
      retentionMs: 60000,
      faults: {},
    });
    expect(parseMemoryConfig(new URL('memory://'), {}).name).toBe('default');
    expect(parseMemoryConfig(undefined, { name: 'x', autoCreateTopics: true, partitions: 3 })).toMatchObject({
      name: 'x',
      partitions: 3,
      autoCreateTopics: true,
      retentionMs: Infinity,
      maxEventSize: 1024 * 1024,
    });
    expect(parseMemoryConfig(undefined, { autoCreateTopics: '1' }).autoCreateTopics).toBe(true);
    expect(parseMemoryConfig(undefined, { autoCreateTopics: '0' }).autoCreateTopics).toBe(false);
  });

  it.each([
    ['partitions', { partitions: '0' }],
    ['partitions', { partitions: 'many' }],
    ['partitions', { partitions: 2000 }],
    ['maxEventSize', { maxEventSize: -1 }],
    ['autoCreateTopics', { autoCreateTopics: 'maybe' }],
    ['retentionMs', { retentionMs: 1.5 }],
    ['bogus', { bogus: '1' }],
    ['password', { password: 'hunter2' }],
    ['fault', { fault: 'explode' }],
    ['faultEvery', { fault: 'drop', faultEvery: '0' }],
  ])('bad %s → ConfigError naming it', (option, options) => {
    let err: unknown;
    try {
      parseMemoryConfig(undefined, options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).option).toBe(option);
    expect((err as ConfigError).message).not.toContain('hunter2');
  });

  it('parses faults from the URL form and passes an options object through', () => {
    expect(
      parseMemoryConfig(undefined, { fault: 'drop, duplicate,reorder,delay,crashBeforeAck', faultEvery: '3' })
        .faults,
    ).toEqual({
      drop: 3,
      duplicate: 3,
      reorder: true,
      delay: true,
      crashBeforeAck: 3,
    });
    expect(parseMemoryConfig(undefined, { fault: 'drop' }).faults).toEqual({ drop: 10 });
    expect(parseMemoryConfig(undefined, { faults: { duplicate: 2 } }).faults).toEqual({ duplicate: 2 });
  });

  it('registers the memory scheme on import and declares its capabilities', () => {
    expect(registeredSchemesForTest()).toContain('memory');
    const d = driver('?maxEventSize=1234');
    expect(d.name).toBe('memory');
    expect(d.capabilities.maxEventSize).toBe(1234);
    expect(d.capabilities.label).toBe('memory');
    expect(d.capabilities.supports('order.global')).toBe(false);
    expect(d.capabilities.supports('push')).toBe(false);
    expect(d.capabilities.isNative('dead-letter')).toBe(true);
    expect(d.capabilities.get('consume.exactly-once').level).toBe('emulated');
    const faulty = driver('?fault=drop');
    expect(faulty.capabilities.label).toBe('memory (faulty)');
    expect(faulty.describe()).toMatch(/^memory:\/\/m-[0-9a-f]+ \(faults: drop\)$/);
    expect(d.raw()).toBe(d.broker);
  });

  it('connections with the same name share one broker instance', async () => {
    const a = driver();
    const b = driver('', a.broker.name);
    expect(b.broker).toBe(a.broker);
    await send(a, 'shared', [ev()]);
    expect(b.broker.records('shared')).toHaveLength(1);
  });
});

describe('topics, partitions and key placement', () => {
  it('auto-creates topics with the configured partitions; same key → same partition', async () => {
    const d = driver('?partitions=4');
    const outcomes = await send(d, 't', [...Array.from({ length: 20 }, (_, i) => ev({ key: `k${i % 5}` }))]);
    expect(d.broker.hasTopic('t')).toBe(true);
    const byKey = new Map<string, Set<string>>();
    const records = d.broker.records('t');
    expect(records).toHaveLength(20);
    for (const r of records) {
      const set = byKey.get(r.event.key!) ?? new Set();
      set.add(String(r.partition));
      byKey.set(r.event.key!, set);
    }
    for (const parts of byKey.values()) expect(parts.size).toBe(1);
    expect(new Set(records.map((r) => r.partition)).size).toBeGreaterThan(1);
    // receipts carry the partition and offset
    const first = outcomes[0]!;
    expect(first.ok && first.receipt.partition !== undefined && first.receipt.offset === 0).toBe(true);
  });

  it('spreads keyless events round-robin and keeps offsets per partition', async () => {
    const d = driver('?partitions=3');
    await send(
      d,
      't',
      Array.from({ length: 6 }, () => ev()),
    );
    const records = d.broker.records('t');
    expect(records.map((r) => [r.partition, r.offset])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
  });

  it('createTopic takes a partition count; deleteTopic removes topic and groups', async () => {
    const d = driver();
    await d.createTopic('a', { partitions: 2 });
    await d.createTopic('a', { partitions: 9 }); // idempotent
    expect(new Topic('x', 2, Infinity).partitions).toHaveLength(2);
    await send(d, 'a', [ev(), ev(), ev()]);
    expect(new Set(d.broker.records('a').map((r) => r.partition))).toEqual(new Set([0, 1]));
    await d.createTopic('b');
    expect(d.broker.topicNames()).toEqual(['a', 'b']);
    const r = await d.openReceiver('a', rx());
    await d.deleteTopic('a');
    expect(d.broker.topicNames()).toEqual(['b']);
    expect(d.broker.records('a')).toEqual([]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await r.receive(10, ac.signal)).toEqual([]);
  });

  it('autoCreateTopics=false → TopicNotFoundError for senders and receivers of a missing topic', async () => {
    const d = driver('?autoCreateTopics=false');
    await expect(d.openSender('missing', { idempotent: false })).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(d.openReceiver('missing', rx())).rejects.toBeInstanceOf(TopicNotFoundError);
    expect(() => d.broker.topic('missing')).toThrow(TopicNotFoundError);
    await d.createTopic('present');
    await expect(send(d, 'present', [ev()])).resolves.toHaveLength(1);
    // the setting holds per connection even on an instance created with auto-creation on
    const auto = driver('', 'shared-' + randomUUID().slice(0, 6));
    const strict = driver('?autoCreateTopics=false', auto.broker.name);
    await expect(strict.openSender('nope', { idempotent: false })).rejects.toBeInstanceOf(TopicNotFoundError);
  });
});

describe('groups: fan-out and competing consumers', () => {
  it('each group gets every event (fan-out)', async () => {
    const d = driver();
    await send(d, 't', [ev({ id: '1' }), ev({ id: '2' })]);
    const a = await d.openReceiver('t', rx({ group: 'billing' }));
    const b = await d.openReceiver('t', rx({ group: 'audit' }));
    expect((await take(a, 2)).map((m) => m.event.id)).toEqual(['1', '2']);
    expect((await take(b, 2)).map((m) => m.event.id)).toEqual(['1', '2']);
  });

  it('consumers of one group share its events, each to exactly one of them (competing consumers)', async () => {
    const d = driver();
    const a = await d.openReceiver('t', rx({ orderedByKey: false }));
    const b = await d.openReceiver('t', rx({ orderedByKey: false }));
    await send(
      d,
      't',
      Array.from({ length: 40 }, (_, i) => ev({ id: String(i) })),
    );
    const ga = await take(a, 15);
    const gb = await take(b, 25);
    const ids = [...ga, ...gb].map((m) => m.event.id);
    expect(new Set(ids).size).toBe(40);
    expect(ga.length).toBe(15);
    await a.ack(ga);
    await b.ack(gb);
    expect(d.broker.group('t', 'g', 'earliest', { orderedByKey: false }).inflightCount).toBe(0);
  });

  it('a waiting receiver wakes up when an event is appended', async () => {
    const d = driver();
    const r = await d.openReceiver('t', rx({ from: 'latest' }));
    const pending = take(r, 1);
    await new Promise((res) => setTimeout(res, 20));
    await send(d, 't', [ev({ id: 'late' })]);
    expect((await pending).map((m) => m.event.id)).toEqual(['late']);
  });

  it('waiting receivers share the wait: aborting one returns it, the other still gets the next append', async () => {
    const d = driver();
    const a = await d.openReceiver('t', rx());
    const b = await d.openReceiver('t', rx()); // same group: one set of waiters
    const acA = new AbortController();
    const acB = new AbortController();
    const cutB = setTimeout(() => acB.abort(), 2_000);
    try {
      const gotA = a.receive(10, acA.signal);
      const gotB = b.receive(10, acB.signal);
      await new Promise((res) => setTimeout(res, 10));
      acA.abort(); // wakes every waiter of the group: b looks again and keeps waiting
      expect(await gotA).toEqual([]);
      await send(d, 't', [ev({ id: 'one' }), ev({ id: 'two' })]);
      expect((await gotB).map((m) => m.event.id)).toEqual(['one', 'two']);
    } finally {
      clearTimeout(cutB);
    }
  });

  it('a receive with nothing to take waits out its poll deadline and returns nothing', async () => {
    const d = driver();
    const r = await d.openReceiver('t', rx());
    const started = Date.now();
    expect(await r.receive(10, new AbortController().signal)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('receive returns nothing once aborted or closed', async () => {
    const d = driver();
    const r = await d.openReceiver('t', rx());
    const ac = new AbortController();
    ac.abort();
    await send(d, 't', [ev()]);
    expect(await r.receive(10, ac.signal)).toEqual([]);
    await r.close();
    await r.close();
    expect(await r.receive(10, new AbortController().signal)).toEqual([]);
  });
});

describe('per-key order, acks, nacks and leases', () => {
  it('holds a key back while one of its events is in flight', async () => {
    const d = driver('?partitions=1');
    await send(d, 't', [ev({ id: 'a1', key: 'a' }), ev({ id: 'a2', key: 'a' }), ev({ id: 'b1', key: 'b' })]);
    const r = await d.openReceiver('t', rx());
    const first = await take(r, 2);
    expect(first.map((m) => m.event.id)).toEqual(['a1', 'b1']);
    expect(await drainFor(r, 30)).toEqual([]);
    await r.ack([first[0]!]);
    expect((await take(r, 1)).map((m) => m.event.id)).toEqual(['a2']);
  });

  it('nack with delay redelivers no earlier than the delay, with a higher delivery count, ahead of the key', async () => {
    const d = driver('?partitions=1');
    await send(d, 't', [ev({ id: 'a1', key: 'a' }), ev({ id: 'a2', key: 'a' })]);
    const r = await d.openReceiver('t', rx());
    const [m] = await take(r, 1);
    expect(m!.deliveryCount).toBe(1);
    const nackedAt = Date.now();
    await r.nack!(m!, 120);
    const again = await take(r, 1);
    expect(Date.now() - nackedAt).toBeGreaterThanOrEqual(115);
    expect(again.map((x) => [x.event.id, x.deliveryCount])).toEqual([['a1', 2]]);
    await r.nack!(again[0]!, 0);
    const third = await take(r, 1);
    expect(third.map((x) => [x.event.id, x.deliveryCount])).toEqual([['a1', 3]]);
  });

  it('an expired lease makes the event available again; extendLease prevents it', async () => {
    const d = driver('?partitions=1');
    await send(d, 't', [ev({ id: 'slow' }), ev({ id: 'kept' })]);
    const r = await d.openReceiver('t', rx({ leaseMs: 150, orderedByKey: false }));
    const got = await take(r, 2);
    const kept = got.find((m) => m.event.id === 'kept')!;
    const keep = setInterval(() => void r.extendLease!(kept, 150), 20);
    try {
      const redelivered = await take(r, 1);
      expect(redelivered.map((m) => [m.event.id, m.deliveryCount])).toEqual([['slow', 2]]);
      // the expired one keeps coming back; the extended one never does
      const later = await drainFor(r, 400);
      expect(later.filter((m) => m.event.id === 'kept')).toEqual([]);
      expect(later.filter((m) => m.event.id === 'slow').length).toBeGreaterThan(0);
    } finally {
      clearInterval(keep);
    }
    // a late ack of an expired lease is ignored
    await r.ack(got.filter((m) => m.event.id === 'slow'));
  });

  it('a closing receiver gives its unsettled events back for immediate redelivery', async () => {
    const d = driver();
    await send(d, 't', [ev({ id: 'x' })]);
    const a = await d.openReceiver('t', rx());
    expect(await take(a, 1)).toHaveLength(1);
    await a.close();
    const b = await d.openReceiver('t', rx());
    expect((await take(b, 1)).map((m) => [m.event.id, m.deliveryCount])).toEqual([['x', 2]]);
  });

  it('settling the same message twice, or a message of another receiver, is a no-op', async () => {
    const d = driver();
    await send(d, 't', [ev({ id: 'x' })]);
    const a = await d.openReceiver('t', rx());
    const b = await d.openReceiver('t', rx());
    const [m] = await take(a, 1);
    await b.ack([m!]);
    await b.nack!(m!, 0);
    await b.deadLetter!(m!, 'nope');
    const group = d.broker.group('t', 'g', 'earliest', { orderedByKey: true });
    expect(group.inflightCount).toBe(1);
    await a.ack([m!]);
    await a.ack([m!]);
    expect(group.inflightCount).toBe(0);
  });
});

describe('dead-letter (native)', () => {
  it('moves a message to the DLQ topic with reason, attempts and the original attributes', async () => {
    const d = driver();
    const original = ev({ id: 'p', key: 'k', subject: 'sub', data: { a: 1 }, extensions: { region: 'eu' } });
    await send(d, 't', [original]);
    const r = await d.openReceiver('t', rx({ deadLetter: { topic: 't.dlq', maxDeliveries: 3 } }));
    const [m] = await take(r, 1);
    await r.deadLetter!(m!, 'bad payload');
    const [dl] = d.broker.records('t.dlq');
    expect(dl!.event).toMatchObject({
      id: 'p',
      source: '/s',
      type: 't',
      key: 'k',
      subject: 'sub',
      data: { a: 1 },
      time: original.time,
    });
    expect(dl!.event.extensions).toEqual({
      region: 'eu',
      deadletterreason: 'bad payload',
      deadletterattempts: 1,
    });
    expect(d.broker.group('t', 'g', 'earliest', { orderedByKey: true }).inflightCount).toBe(0);
  });

  it('dead-letters by itself after maxDeliveries (e.g. repeated lease expiry)', async () => {
    const d = driver();
    await send(d, 't', [ev({ id: 'crashy' })]);
    const r = await d.openReceiver(
      't',
      rx({ leaseMs: 20, deadLetter: { topic: 't.dlq', maxDeliveries: 2 } }),
    );
    const counts = (await take(r, 2)).map((m) => m.deliveryCount);
    expect(counts).toEqual([1, 2]);
    const deadline = Date.now() + 2_000;
    while (d.broker.records('t.dlq').length === 0 && Date.now() < deadline) await drainFor(r, 20);
    const [dl] = d.broker.records('t.dlq');
    expect(dl!.event.id).toBe('crashy');
    expect(dl!.event.extensions).toMatchObject({
      deadletterreason: 'exceeded 2 deliveries',
      deadletterattempts: 2,
    });
  });

  it('without a dead-letter setting deadLetter() leaves the message alone', async () => {
    const d = driver();
    await send(d, 't', [ev()]);
    const r = await d.openReceiver('t', rx());
    const [m] = await take(r, 1);
    await r.deadLetter!(m!, 'x');
    expect(d.broker.topicNames()).toEqual(['t']);
  });
});

describe('replay and retention', () => {
  it('a new group starts at earliest, latest, an offset or a time', async () => {
    const d = driver('?partitions=1');
    await send(d, 't', [ev({ id: '0' }), ev({ id: '1' })]);
    await new Promise((res) => setTimeout(res, 15));
    const mid = new Date();
    await new Promise((res) => setTimeout(res, 5));
    await send(d, 't', [ev({ id: '2' }), ev({ id: '3' })]);
    const ids = async (group: string, from: ReceiverOptions['from'], n: number) =>
      (await drainFor(await d.openReceiver('t', rx({ group, from })), n === 0 ? 30 : 60)).map(
        (m) => m.event.id,
      );
    expect(await ids('e', 'earliest', 4)).toEqual(['0', '1', '2', '3']);
    expect(await ids('l', 'latest', 0)).toEqual([]);
    expect(await ids('o', { offset: 1 }, 3)).toEqual(['1', '2', '3']);
    expect(await ids('big', { offset: 99 }, 0)).toEqual([]);
    expect(await ids('time', { time: mid }, 2)).toEqual(['2', '3']);
    expect(await ids('future', { time: new Date(Date.now() + 60_000) }, 0)).toEqual([]);
    // an existing group keeps its position whatever `from` says
    expect(await ids('e', 'earliest', 0)).toEqual([]);
  });

  it('drops records older than retentionMs; readers skip to the first retained offset', () => {
    const topic = new Topic('t', 1, 1000);
    topic.append(ev({ id: 'old1' }), false, 10_000);
    topic.append(ev({ id: 'old2' }), false, 10_500);
    topic.append(ev({ id: 'new' }), false, 12_000);
    const p = topic.partitions[0]!;
    expect(p.records.map((r) => r.event.id)).toEqual(['new']);
    expect(p.base).toBe(2);
    expect(p.at(2)!.event.id).toBe('new');
    expect(p.at(0)).toBeUndefined();
    expect(p.end).toBe(3);
  });

  it('retention through the driver: consumed events stay readable (replay) until they expire', async () => {
    const d = driver('?retentionMs=60000&partitions=1');
    await send(d, 't', [ev({ id: 'a' })]);
    const r1 = await d.openReceiver('t', rx({ group: 'first' }));
    const [m] = await take(r1, 1);
    await r1.ack([m!]);
    const r2 = await d.openReceiver('t', rx({ group: 'replayer' }));
    expect((await take(r2, 1)).map((x) => x.event.id)).toEqual(['a']);
  });
});

describe('retention off (retentionMs=0)', () => {
  it('keeps records until every group has taken them; a group behind pins them', async () => {
    const d = driver('?retentionMs=0&partitions=1');
    const mem = d.raw();
    await send(d, 't', [ev({ id: 'a' }), ev({ id: 'b' }), ev({ id: 'c' })]);
    // no group yet: everything waits for the first one
    expect(mem.records('t').map((r) => r.event.id)).toEqual(['a', 'b', 'c']);
    const fast = await d.openReceiver('t', rx({ group: 'fast' }));
    const slow = await d.openReceiver('t', rx({ group: 'slow' }));
    expect((await take(fast, 3)).map((m) => m.event.id)).toEqual(['a', 'b', 'c']);
    // "slow" has taken nothing: the log still holds all three for it
    expect(mem.records('t')).toHaveLength(3);
    expect((await take(slow, 2)).map((m) => m.event.id)).toEqual(['a', 'b']);
    expect(mem.records('t').map((r) => r.event.id)).toEqual(['c']);
    await take(slow, 1);
    expect(mem.records('t')).toEqual([]);
    // a group created now starts after what was dropped: no replay
    const late = await d.openReceiver('t', rx({ group: 'late' }));
    expect(await drainFor(late, 30)).toEqual([]);
    await send(d, 't', [ev({ id: 'd' })]);
    expect((await take(late, 1)).map((m) => m.event.id)).toEqual(['d']);
  });

  it('a dropped record the group still owes is redelivered after nack, lease expiry and close', async () => {
    const d = driver('?retentionMs=0&partitions=1');
    await send(d, 't', [ev({ id: 'a', key: 'k' }), ev({ id: 'b', key: 'k' })]);
    const r = await d.openReceiver('t', rx({ leaseMs: 20 }));
    const [first] = await take(r, 1);
    expect(first!.event.id).toBe('a');
    expect(
      d
        .raw()
        .records('t')
        .map((m) => m.event.id),
    ).toEqual(['b']); // 'a' is only in its lease now
    await r.nack(first!, 0);
    const again = await take(r, 1);
    expect(again.map((m) => [m.event.id, m.deliveryCount])).toEqual([['a', 2]]);
    // let the lease expire: 'a' comes back a third time
    await new Promise((res) => setTimeout(res, 40));
    const third = await take(r, 1);
    expect(third.map((m) => [m.event.id, m.deliveryCount])).toEqual([['a', 3]]);
    await r.ack(third);
    const next = await take(r, 1);
    expect(next.map((m) => m.event.id)).toEqual(['b']);
    await r.close();
    const other = await d.openReceiver('t', rx());
    expect((await take(other, 1)).map((m) => m.event.id)).toEqual(['b']);
    expect(d.raw().records('t')).toEqual([]);
  });

  it('declares replay and retention unsupported; the default keeps them native', () => {
    expect(driver('?retentionMs=0').capabilities.supports('replay')).toBe(false);
    expect(driver('?retentionMs=0').capabilities.supports('retention')).toBe(false);
    expect(driver().capabilities.supports('replay')).toBe(true);
  });

  it('a long log stays addressable by offset while its head is dropped and compacted', () => {
    const topic = new Topic('t', 1, 0);
    for (let i = 0; i < 5_000; i++) topic.append(ev({ id: String(i) }), false, 0);
    const p = topic.partitions[0]!;
    for (const cut of [10, 1_500, 1_499, 3_000, 4_999]) {
      p.dropBefore(cut);
      const base = Math.max(cut, p.base);
      expect(p.base).toBe(base);
      expect(p.at(base)!.event.id).toBe(String(base));
      expect(p.at(base - 1)).toBeUndefined();
      expect(p.records).toHaveLength(5_000 - base);
      expect(p.end).toBe(5_000);
    }
    expect(p.offsetForTime(0)).toBe(4_999);
  });
});

describe('delayed delivery and idempotent publish', () => {
  it('a delayed event is appended when its delay has passed (even after the sender closed)', async () => {
    const d = driver();
    const s = await d.openSender('t', { idempotent: false });
    const sentAt = Date.now();
    const [out] = await s.send([
      { event: ev({ id: 'later' }), delayMs: 80 },
      { event: ev({ id: 'now' }), delayMs: 0 },
    ]);
    expect(out).toEqual({ ok: true, receipt: {} });
    await s.close();
    expect(d.broker.records('t').map((r) => r.event.id)).toEqual(['now']);
    const r = await d.openReceiver('t', rx({ orderedByKey: false }));
    const got = await take(r, 2);
    expect(got.map((m) => m.event.id)).toEqual(['now', 'later']);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(75);
  });

  it('an idempotent sender drops resends of the same source+id and says so', async () => {
    const d = driver();
    const e = ev({ id: 'once' });
    const [first] = await send(d, 't', [e], true);
    const [second] = await send(d, 't', [ev({ id: 'once' })], true);
    const [otherSource] = await send(d, 't', [ev({ id: 'once', source: '/other' })], true);
    expect(first).toMatchObject({ ok: true, receipt: { duplicate: false } });
    expect(second).toEqual({
      ok: true,
      receipt: { ...(first as { receipt: object }).receipt, duplicate: true },
    });
    expect(otherSource).toMatchObject({ ok: true, receipt: { duplicate: false } });
    expect(d.broker.records('t')).toHaveLength(2);
    // a non-idempotent sender appends the copy
    await send(d, 't', [e], false);
    expect(d.broker.records('t')).toHaveLength(3);
  });

  it('the dedupe window is bounded in time', () => {
    const topic = new Topic('t', 1, Infinity);
    const e = ev({ id: 'x' });
    expect(topic.append(e, true, 0).duplicate).toBe(false);
    expect(topic.append(e, true, DEDUPE_WINDOW_MS - 1).duplicate).toBe(true);
    expect(topic.append(e, true, DEDUPE_WINDOW_MS).duplicate).toBe(false);
    expect(topic.partitions[0]!.records).toHaveLength(2);
  });
});

describe('driver lifecycle', () => {
  it('close releases senders and receivers; afterwards nothing opens', async () => {
    const d = driver();
    const s = await d.openSender('t', { idempotent: false });
    const r = await d.openReceiver('t', rx());
    await s.send([{ event: ev() }]);
    expect(await take(r, 1)).toHaveLength(1);
    await d.close();
    await d.close();
    await expect(s.send([{ event: ev() }])).rejects.toBeInstanceOf(ClosedError);
    await expect(d.openSender('t', { idempotent: false })).rejects.toBeInstanceOf(ClosedError);
    expect(d.broker.group('t', 'g', 'earliest', { orderedByKey: true }).inflightCount).toBe(0); // released
  });

  it('MemoryBroker.reset drops an instance and its data', async () => {
    const d = driver();
    await send(d, 't', [ev()]);
    const name = d.broker.name;
    MemoryBroker.reset(name);
    const fresh = driver('', name);
    expect(fresh.broker).not.toBe(d.broker);
    expect(fresh.broker.records('t')).toEqual([]);
  });
});

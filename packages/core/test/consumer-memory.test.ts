/**
 * The portable consumer and producer end to end through the embedded broker
 * (@eventport/memory): ordering under concurrency, exactly-once across a restart
 * with the durable idempotency store, drain, lease extension, dead-letter,
 * async iteration, at-most-once, size limits and missing topics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '../src/api/connect.js';
import type { Broker } from '../src/api/broker.js';
import type { Subscription } from '../src/api/subscription.js';
import { EventTooLargeError, TopicNotFoundError, UnsupportedGuaranteeError } from '../src/errors/errors.js';
import { createEvent } from '../src/event/create-event.js';
import type { Event } from '../src/event/types.js';
import { FileIdempotencyStore } from '../src/idempotency/file-store.js';
import { DEAD_LETTER_ATTEMPTS, DEAD_LETTER_REASON } from '../src/portable/dead-letter-event.js';
import { MemoryBroker } from '@eventport/memory';
import { RecordingLogger, deferred, uniqueName, waitFor } from './helpers/fakes.js';

const brokers: Broker[] = [];
const subs: Subscription[] = [];
const names: string[] = [];

/** Connects to this test's memory:// instance (one unique name per test; reopening = a "restart"). */
async function open(query = ''): Promise<{ broker: Broker; name: string; mem: MemoryBroker }> {
  const name = names.at(-1) ?? uniqueName('mem');
  if (names.length === 0) names.push(name);
  const broker = await connect(`memory://${name}${query}`, { logger: new RecordingLogger() });
  brokers.push(broker);
  return { broker, name, mem: broker.raw<MemoryBroker>() };
}

function track(sub: Subscription): Subscription {
  subs.push(sub);
  return sub;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(async () => {
  await Promise.allSettled(subs.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
  await Promise.allSettled(brokers.splice(0).map((b) => b.close()));
  for (const n of names.splice(0)) MemoryBroker.reset(n);
});

describe('ordering under concurrency (memory broker)', () => {
  it('keeps per-key order with concurrency > 1 while different keys run in parallel', async () => {
    const { broker } = await open('?partitions=3');
    const topic = uniqueName('orders');
    await broker.createTopic(topic);
    const seen = new Map<string, number[]>();
    const activeKeys = new Set<string>();
    let overlapSameKey = false;
    let maxParallel = 0;
    let done = 0;
    const sub = track(
      await broker.consumer(topic, { group: 'g', from: 'earliest', concurrency: 8 }).subscribe(async (e) => {
        const key = e.key!;
        if (activeKeys.has(key)) overlapSameKey = true;
        activeKeys.add(key);
        maxParallel = Math.max(maxParallel, activeKeys.size);
        await sleep(Math.floor(Math.random() * 3));
        seen.set(key, [...(seen.get(key) ?? []), (e.data as { seq: number }).seq]);
        activeKeys.delete(key);
        done++;
      }),
    );
    const producer = broker.producer(topic, { batch: { maxEvents: 7 } });
    const events = Array.from({ length: 240 }, (_, i) => ({
      type: 't',
      source: '/s',
      key: `k${i % 8}`,
      data: { seq: i },
    }));
    await producer.send(events);
    await waitFor(() => done === 240, '240 handled events', 15_000);
    expect(overlapSameKey).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    for (const [key, seqs] of seen) {
      expect(seqs).toEqual(events.filter((e) => e.key === key).map((e) => e.data.seq));
    }
    expect(sub.stats).toMatchObject({ received: 240, handled: 240, failed: 0 });
  });

  it("ordering: 'none' lets same-key events overlap", async () => {
    const { broker } = await open();
    const topic = uniqueName('t');
    let active = 0;
    let maxActive = 0;
    let done = 0;
    track(
      await broker
        .consumer(topic, { from: 'earliest', ordering: 'none', concurrency: 4 })
        .subscribe(async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(10);
          active--;
          done++;
        }),
    );
    await broker
      .producer(topic)
      .send(Array.from({ length: 8 }, () => ({ type: 't', source: '/s', key: 'same' })));
    await waitFor(() => done === 8, 'eight handled events');
    expect(maxActive).toBeGreaterThan(1);
  });
});

describe('exactly-once with the durable FileIdempotencyStore across a restart', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'eventport-eos-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ids = ['e1', 'e2', 'e3', 'e4', 'e5'];
  const events = (list: string[]) =>
    list.map((id) => ({ id, type: 'order.paid', source: '/shop', data: { id } }));

  it('skips events already processed before the restart when the producer resends them', async () => {
    const path = join(dir, 'processed.log');
    const topic = uniqueName('payments');
    const effects: string[] = [];

    // first life
    const first = await open();
    await first.broker.producer(topic).send(events(ids));
    const store1 = new FileIdempotencyStore(path);
    const sub1 = track(
      await first.broker
        .consumer(topic, {
          group: 'billing',
          from: 'earliest',
          delivery: 'exactly-once',
          idempotencyStore: store1,
        })
        .subscribe((e) => void effects.push(e.id)),
    );
    await waitFor(() => effects.length === 5, 'five effects');
    await sub1.close({ drainTimeoutMs: 1000 });
    store1.close();
    await first.broker.close();

    // second life: a new process-level store on the same file; the producer resends everything (+1 new)
    const second = await open();
    await second.broker.producer(topic).send(events([...ids, 'e6']));
    expect(second.mem.records(topic)).toHaveLength(11);
    const store2 = new FileIdempotencyStore(path);
    const sub2 = track(
      await second.broker
        .consumer(topic, { group: 'billing', delivery: 'exactly-once', idempotencyStore: store2 })
        .subscribe((e) => void effects.push(e.id)),
    );
    await waitFor(() => sub2.stats.received === 6, 'six deliveries');
    await sub2.close({ drainTimeoutMs: 1000 });
    store2.close();
    expect([...effects].sort()).toEqual([...ids, 'e6']);
    expect(sub2.stats.duplicatesSkipped).toBe(5);
  });

  it('skips events whose effect happened but whose ack was lost in a crash', async () => {
    const path = join(dir, 'crash.log');
    const topic = uniqueName('payments');
    const effects: string[] = [];
    // first life: every ack is lost (the consumer "crashes" before acknowledging)
    const crashy = await open('?fault=crashBeforeAck&faultEvery=1');
    await crashy.broker.producer(topic).send(events(ids.slice(0, 3)));
    const store1 = new FileIdempotencyStore(path);
    const sub1 = track(
      await crashy.broker
        .consumer(topic, {
          group: 'g',
          from: 'earliest',
          delivery: 'exactly-once',
          idempotencyStore: store1,
          leaseMs: 150,
        })
        .subscribe((e) => void effects.push(e.id)),
    );
    await waitFor(() => effects.length === 3, 'three effects');
    await sub1.close({ drainTimeoutMs: 1000 });
    store1.close();

    // second life: the leases expire, the broker redelivers, the durable store recognises them
    const healthy = await open();
    const store2 = new FileIdempotencyStore(path);
    const sub2 = track(
      await healthy.broker
        .consumer(topic, { group: 'g', delivery: 'exactly-once', idempotencyStore: store2, leaseMs: 150 })
        .subscribe((e) => void effects.push(`again:${e.id}`)),
    );
    await waitFor(() => sub2.stats.duplicatesSkipped === 3, 'three skipped redeliveries');
    await sub2.close({ drainTimeoutMs: 1000 });
    store2.close();
    expect(effects.sort()).toEqual(['e1', 'e2', 'e3']);
    expect(healthy.mem.group(topic, 'g', 'earliest', { orderedByKey: true }).inflightCount).toBe(0);
  });
});

describe('drain (memory broker)', () => {
  it('close({ drainTimeoutMs }) waits for in-flight handlers; nothing is left handled-but-unsettled', async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('t');
    const started: string[] = [];
    const finished: string[] = [];
    const sub = track(
      await broker.consumer(topic, { group: 'g', from: 'earliest', concurrency: 4 }).subscribe(async (e) => {
        started.push(e.id);
        await sleep(60);
        finished.push(e.id);
      }),
    );
    await broker
      .producer(topic)
      .send(Array.from({ length: 4 }, (_, i) => ({ type: 't', source: '/s', key: `k${i}` })));
    await waitFor(() => started.length === 4, 'four handlers');
    await sub.close({ drainTimeoutMs: 5_000 });
    expect(finished).toHaveLength(4);
    expect(mem.group(topic, 'g', 'earliest', { orderedByKey: true }).inflightCount).toBe(0);
    // a new consumer of the group gets nothing: everything was acknowledged
    const again: string[] = [];
    track(await broker.consumer(topic, { group: 'g' }).subscribe((e) => void again.push(e.id)));
    await sleep(100);
    expect(again).toEqual([]);
  });

  it('a handler exceeding the drain timeout gets its signal aborted; its event goes to the next consumer', async () => {
    const { broker } = await open();
    const topic = uniqueName('t');
    let abortedSeen = false;
    const stuck = deferred<string>();
    const sub = track(
      await broker.consumer(topic, { group: 'g', from: 'earliest' }).subscribe(
        (e, ctx) =>
          new Promise<void>((resolve) => {
            stuck.resolve(e.id);
            ctx.signal.addEventListener('abort', () => {
              abortedSeen = true;
              resolve();
            });
          }),
      ),
    );
    const receipt = await broker.producer(topic).send({ type: 't', source: '/s' });
    expect(await stuck.promise).toBe(receipt.id);
    await sub.close({ drainTimeoutMs: 50 });
    expect(abortedSeen).toBe(true);
    const next: { id: string; attempt: number }[] = [];
    track(
      await broker
        .consumer(topic, { group: 'g' })
        .subscribe((e, ctx) => void next.push({ id: e.id, attempt: ctx.attempt })),
    );
    await waitFor(() => next.length === 1, 'redelivery to the next consumer');
    expect(next).toEqual([{ id: receipt.id, attempt: 2 }]);
  });
});

describe('lease extension (memory broker)', () => {
  it('a slow handler with a small leaseMs is not redelivered while it runs', async () => {
    const { broker } = await open();
    const topic = uniqueName('t');
    const a: string[] = [];
    const b: string[] = [];
    track(
      await broker.consumer(topic, { group: 'g', from: 'earliest', leaseMs: 300 }).subscribe(async (e) => {
        a.push(e.id);
        await sleep(1_000); // more than three leases
      }),
    );
    await broker.producer(topic).send({ type: 't', source: '/s' });
    await waitFor(() => a.length === 1, 'first delivery');
    track(await broker.consumer(topic, { group: 'g', leaseMs: 300 }).subscribe((e) => void b.push(e.id)));
    await sleep(1_100);
    expect(a).toHaveLength(1);
    expect(b).toEqual([]);
  });
});

describe('dead-letter (memory broker, native)', () => {
  it('moves an event that keeps failing to <topic>.dlq with reason, attempts and its original attributes', async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('orders');
    const attempts: number[] = [];
    const sub = track(
      await broker
        .consumer(topic, {
          group: 'g',
          from: 'earliest',
          retry: { attempts: 3, initialDelayMs: 5, jitter: 0 },
        })
        .subscribe((e, ctx) => {
          attempts.push(ctx.attempt);
          if (e.type === 'poison') throw new Error('cannot parse order');
        }),
    );
    const producer = broker.producer(topic);
    const poison = await producer.send({
      type: 'poison',
      source: '/shop',
      subject: 'order/9',
      key: 'cust-9',
      data: { broken: true },
      extensions: { region: 'eu' },
    });
    await producer.send({ type: 'fine', source: '/shop' });
    await waitFor(() => mem.records(`${topic}.dlq`).length === 1, 'a dead-lettered record');
    const dl = mem.records(`${topic}.dlq`)[0]!.event;
    const original = mem.records(topic).find((r) => r.event.id === poison.id)!.event;
    expect(dl).toMatchObject({
      id: original.id,
      source: '/shop',
      type: 'poison',
      subject: 'order/9',
      key: 'cust-9',
      data: { broken: true },
      time: original.time,
    });
    expect(dl.extensions).toMatchObject({ region: 'eu', [DEAD_LETTER_ATTEMPTS]: 3 });
    expect(dl.extensions[DEAD_LETTER_REASON]).toBe(
      'handler failed after 3 attempts: Error: cannot parse order',
    );
    expect(attempts.filter((a) => a > 1)).toEqual([2, 3]);
    expect(sub.stats.deadLettered).toBe(1);
    // the dead-letter topic can be consumed like any other
    const dlq: Event[] = [];
    track(await broker.consumer(`${topic}.dlq`, { from: 'earliest' }).subscribe((e) => void dlq.push(e)));
    await waitFor(() => dlq.length === 1, 'the DLQ consumer');
    expect(dlq[0]!.id).toBe(poison.id);
  });
});

describe('async iteration (memory broker)', () => {
  it('moving on acks; break gives the current event back for redelivery', async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('t');
    await broker.producer(topic).send([1, 2, 3].map((n) => ({ type: 't', source: '/s', data: n })));
    const got: number[] = [];
    for await (const d of broker.consumer(topic, { group: 'g', from: 'earliest' })) {
      got.push(d.event.data as number);
      if (got.length === 2) break;
    }
    expect(got).toEqual([1, 2]);
    const again: { n: number; attempt: number }[] = [];
    for await (const d of broker.consumer(topic, { group: 'g' })) {
      again.push({ n: d.event.data as number, attempt: d.attempt });
      if (again.length === 2) {
        await d.ack();
        break;
      }
    }
    expect(again.map((x) => x.n).sort()).toEqual([2, 3]);
    expect(again.find((x) => x.n === 2)!.attempt).toBe(2);
    await waitFor(
      () => mem.group(topic, 'g', 'earliest', { orderedByKey: true }).inflightCount === 0,
      'all settled',
    );
  });
});

describe('at-most-once (memory broker)', () => {
  it('does not redeliver an event whose handler failed', async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('t');
    const calls: string[] = [];
    track(
      await broker
        .consumer(topic, {
          group: 'g',
          from: 'earliest',
          delivery: 'at-most-once',
          retry: { attempts: 5, initialDelayMs: 1 },
        })
        .subscribe((e) => {
          calls.push(e.id);
          throw new Error('fails once, never again');
        }),
    );
    await broker.producer(topic, { delivery: 'at-most-once' }).send({ type: 't', source: '/s' });
    await waitFor(() => calls.length === 1, 'one call');
    await sleep(100);
    expect(calls).toHaveLength(1);
    expect(mem.records(`${topic}.dlq`)).toEqual([]);
    expect(mem.group(topic, 'g', 'earliest', { orderedByKey: true }).inflightCount).toBe(0);
  });
});

describe('size limits and missing topics (memory broker)', () => {
  it('rejects oversize events before anything reaches the broker', async () => {
    const { broker, mem } = await open('?maxEventSize=1000');
    expect(broker.capabilities.maxEventSize).toBe(1000);
    const topic = uniqueName('t');
    const producer = broker.producer(topic);
    await expect(producer.send({ type: 't', source: '/s', data: 'x'.repeat(1000) })).rejects.toBeInstanceOf(
      EventTooLargeError,
    );
    await expect(
      producer.send([
        { type: 't', source: '/s', data: 'small' },
        { type: 't', source: '/s', data: 'y'.repeat(5000) },
      ]),
    ).rejects.toBeInstanceOf(EventTooLargeError);
    await producer.flush();
    expect(mem.records(topic)).toEqual([]);
    await producer.send({ type: 't', source: '/s', data: 'fits' });
    expect(mem.records(topic)).toHaveLength(1);
  });

  it('autoCreateTopics=false: sending to or consuming a missing topic fails with TopicNotFoundError', async () => {
    const { broker } = await open('?autoCreateTopics=false');
    await expect(broker.producer('missing').send({ type: 't', source: '/s' })).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
    await expect(broker.consumer('missing').subscribe(() => undefined)).rejects.toBeInstanceOf(
      TopicNotFoundError,
    );
    await broker.createTopic('present');
    await expect(broker.producer('present').send({ type: 't', source: '/s' })).resolves.toMatchObject({
      topic: 'present',
    });
  });

  it('maxInFlight bounds the events taken from the broker', async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('t');
    const gate = deferred();
    const sub = track(
      await broker
        .consumer(topic, { group: 'g', from: 'earliest', maxInFlight: 2, concurrency: 1, ordering: 'none' })
        .subscribe(() => gate.promise),
    );
    await broker.producer(topic).send(Array.from({ length: 10 }, () => ({ type: 't', source: '/s' })));
    await waitFor(() => sub.stats.received === 2, 'two deliveries');
    await sleep(50);
    expect(sub.stats.received).toBe(2);
    expect(mem.group(topic, 'g', 'earliest', { orderedByKey: false }).inflightCount).toBe(2);
    gate.resolve();
    await waitFor(() => sub.stats.handled === 10, 'all handled');
  });

  it('delayed delivery through the producer', async () => {
    const { broker } = await open();
    const topic = uniqueName('t');
    const got: number[] = [];
    const sentAt = Date.now();
    track(
      await broker.consumer(topic, { from: 'earliest' }).subscribe(() => void got.push(Date.now() - sentAt)),
    );
    await broker.producer(topic).send({ type: 't', source: '/s' }, { delayMs: 150 });
    await waitFor(() => got.length === 1, 'the delayed event');
    expect(got[0]).toBeGreaterThanOrEqual(140);
  });
});

describe('negotiation and idempotent publish (memory broker)', () => {
  it('require: [...] fails at creation naming what memory cannot give and why', async () => {
    const { broker } = await open();
    let err: unknown;
    try {
      broker.consumer('t', { require: ['order.per-key', 'order.global', 'push', 'quantum'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedGuaranteeError);
    const missing = (err as UnsupportedGuaranteeError).missing;
    expect(missing.map((m) => m.guarantee)).toEqual(['order.global', 'push', 'quantum']);
    expect(missing[0]!.why).toBe('topics are partitioned; order holds per key only');
    expect((err as Error).message).toMatch(/^memory cannot guarantee order\.global \(topics are partitioned/);
    expect(() => broker.producer('t', { require: ['push'] })).toThrow(UnsupportedGuaranteeError);
    expect(() =>
      broker.consumer('t', { delivery: 'exactly-once', require: ['order.per-key', 'dead-letter'] }),
    ).not.toThrow();
  });

  it("an 'exactly-once' producer's resend of the same event is recognised and not stored twice", async () => {
    const { broker, mem } = await open();
    const topic = uniqueName('t');
    const producer = broker.producer(topic, { delivery: 'exactly-once' });
    const event = createEvent({ type: 't', source: '/s' });
    const first = await producer.send(event);
    const again = await producer.send(event);
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({
      id: event.id,
      duplicate: true,
      partition: first.partition,
      offset: first.offset,
    });
    expect(mem.records(topic)).toHaveLength(1);
    await broker.producer(topic).send(event); // at-least-once: no dedupe
    expect(mem.records(topic)).toHaveLength(2);
  });
});

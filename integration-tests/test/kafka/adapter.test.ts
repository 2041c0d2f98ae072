/**
 * @eventport/kafka against the real broker, beyond the portable conformance checks: what lands on
 * the wire (CloudEvents Kafka binding, Java-compatible placement, receipts), records of plain
 * producers, start positions, commits before a rebalance, backpressure, at-most-once commit order,
 * read_committed, dead-letter headers.
 *
 * @brokers kafka
 */
import type { Admin, KafkaMessage } from 'kafkajs';
import { EventPortError, createEvent, type Broker, type Event } from '@eventport/core';
import type { Driver, DriverReceiver } from '@eventport/core/driver';
import { partitionForKey } from '@eventport/kafka';
import {
  committedOffsets,
  connectKafka,
  kafkaBrokers,
  rawKafka,
  sleep,
  unique,
  until,
} from './support/kafka.js';

jest.setTimeout(90_000);

const raw = rawKafka();
let admin: Admin;
const brokers: Broker[] = [];

beforeAll(async () => {
  admin = raw.admin();
  await admin.connect();
});

afterAll(async () => {
  await Promise.allSettled(brokers.map((b) => b.close()));
  await admin.disconnect();
});

async function open(query = '', wrap?: (d: Driver) => Driver): Promise<Broker> {
  const b = await connectKafka(query, wrap === undefined ? {} : { wrapDriver: wrap });
  brokers.push(b);
  return b;
}

type RawRecord = { partition: number; message: KafkaMessage };

/** Reads every record of `topic` with a raw kafkajs consumer (from the beginning) until `n` arrived (or `enough` says so). */
async function readRaw(
  topic: string,
  n: number,
  enough: (read: readonly RawRecord[]) => boolean = (read) => read.length >= n,
): Promise<RawRecord[]> {
  const consumer = raw.consumer({ groupId: unique('raw-reader'), maxWaitTimeInMs: 200 });
  const out: RawRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => void out.push({ partition, message }),
    });
    await until(() => enough(out), 30_000, `reading ${n} raw records of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Collects the events a subscription handles. */
function collector(): { events: Event[]; handler: (e: Event) => void } {
  const events: Event[] = [];
  return { events, handler: (e) => void events.push(e) };
}

describe('wire format', () => {
  it('writes the CloudEvents Kafka binding (binary mode) and places keys where the Java client does', async () => {
    const b = await open();
    const topic = unique('wire');
    await b.createTopic(topic, { partitions: 12 });
    const keys = ['cust-42', 'order-1', 'a', 'key-3', 'émoji-🙂'];
    const receipts = await b.producer(topic).send(
      keys.map((key, i) => ({
        id: `id-${i}`,
        source: '/shop',
        type: 'order.created',
        subject: `s${i}`,
        key,
        data: { i },
        extensions: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      })),
    );
    // The record each receipt names (an at-least-once resend after a partial failure of a fresh
    // topic's first produce may have written a key twice; the receipt names the copy it wrote).
    const named = (read: readonly RawRecord[], i: number): RawRecord | undefined =>
      read.find(
        (x) =>
          String(x.partition) === receipts[i]!.partition && x.message.offset === String(receipts[i]!.offset),
      );
    const records = await readRaw(topic, keys.length, (read) =>
      keys.every((_k, i) => named(read, i) !== undefined),
    );
    for (const [i, key] of keys.entries()) {
      const r = named(records, i)!;
      expect(r.message.key?.toString()).toBe(key);
      // Java's BuiltInPartitioner.partitionForKey for 12 partitions (see the partitioner unit test)
      expect(r.partition).toBe({ 'cust-42': 8, 'order-1': 10, a: 4, 'key-3': 11, 'émoji-🙂': 1 }[key]);
      expect(r.partition).toBe(partitionForKey(key, 12));
      expect(receipts[i]).toMatchObject({
        id: `id-${i}`,
        partition: String(r.partition),
        offset: Number(r.message.offset),
      });
      const h = Object.fromEntries(Object.entries(r.message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      expect(h).toMatchObject({
        ce_id: `id-${i}`,
        ce_source: '/shop',
        ce_type: 'order.created',
        ce_specversion: '1.0',
        ce_subject: `s${i}`,
        ce_traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        'content-type': 'application/json',
      });
      expect(h.ce_time).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(JSON.parse(r.message.value!.toString())).toEqual({ i });
    }
  });

  it('consumes records of plain producers (coordinates as id) and structured-mode records', async () => {
    const topic = unique('plain');
    const b = await open();
    await b.createTopic(topic, { partitions: 1 });
    const producer = raw.producer();
    await producer.connect();
    const structured = createEvent({
      id: 'st-1',
      source: '/legacy',
      type: 'legacy.thing',
      data: { ok: true },
    });
    await producer.send({
      topic,
      messages: [
        { key: 'k1', value: '{"n":1}', headers: { 'content-type': 'application/json' } },
        { value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) },
        {
          key: 'k3',
          value: JSON.stringify({
            specversion: '1.0',
            id: structured.id,
            source: structured.source,
            type: structured.type,
            data: { ok: true },
          }),
          headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
        },
      ],
    });
    await producer.disconnect();
    const c = collector();
    await b.consumer(topic, { group: unique('g'), from: 'earliest' }).subscribe(c.handler);
    await until(() => c.events.length >= 3, 30_000, 'consuming the plain records');
    const [json, bytes, st] = c.events;
    expect(json).toMatchObject({
      id: `${topic}/0/0`,
      source: `/kafka/${topic}`,
      type: 'eventport.plain',
      key: 'k1',
      data: { n: 1 },
    });
    expect(bytes).toMatchObject({ id: `${topic}/0/1`, type: 'eventport.plain' });
    expect(Buffer.from(bytes!.data as Uint8Array)).toEqual(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expect(st).toMatchObject({
      id: 'st-1',
      source: '/legacy',
      type: 'legacy.thing',
      key: 'k3',
      data: { ok: true },
    });
  });

  it('puts the dead-letter reason and attempt count in ce_ headers of <topic>.dlq', async () => {
    const b = await open();
    const topic = unique('dlq');
    await b.createTopic(topic, { partitions: 1 });
    await b.producer(topic).send({ id: 'poison', source: '/t', type: 'poison', data: { bad: true } });
    await b
      .consumer(topic, {
        group: unique('g'),
        from: 'earliest',
        retry: { attempts: 3, backoff: 'fixed', initialDelayMs: 10 },
      })
      .subscribe(() => {
        throw new Error('cannot handle this');
      });
    await until(
      async () => (await admin.listTopics()).includes(`${topic}.dlq`),
      30_000,
      'the dead-letter topic',
    );
    const [r] = await readRaw(`${topic}.dlq`, 1);
    const h = Object.fromEntries(Object.entries(r!.message.headers ?? {}).map(([k, v]) => [k, String(v)]));
    expect(h).toMatchObject({ ce_id: 'poison', ce_type: 'poison', ce_deadletterattempts: '3' });
    expect(h.ce_deadletterreason).toMatch(/cannot handle this/);
  });
});

describe('connection errors', () => {
  it('SASL against a listener without it: AUTHENTICATION, not retryable, and no secret in any message', async () => {
    const { connect } = await import('@eventport/core');
    const url = `kafka://alice:s3cr3t-pw@${kafkaBrokers().split(',')[0]}?sasl=scram-sha-256`;
    const b = await connect(url, { tracing: false });
    brokers.push(b);
    expect(String(b)).toContain('sasl=scram-sha-256');
    expect(String(b)).not.toContain('s3cr3t-pw');
    let error: unknown;
    try {
      await b.producer(unique('sasl')).send({ source: '/s', type: 't' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventPortError);
    expect((error as EventPortError).code).toBe('AUTHENTICATION');
    expect((error as EventPortError).retryable).toBe(false);
    expect(`${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`).not.toContain(
      's3cr3t-pw',
    );
  });
});

describe('consumer groups', () => {
  it('starts a new group at an offset (one partition or all) or a time, and a group with commits where it left off', async () => {
    const b = await open();
    const topic = unique('replay');
    await b.createTopic(topic, { partitions: 2 });
    const p = b.producer(topic);
    // 10 events per partition (keys chosen by their Java placement)
    const keyFor = (partition: number): string =>
      ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'].find((k) => partitionForKey(k, 2) === partition)!;
    await p.send(
      Array.from({ length: 20 }, (_, i) => ({ source: '/r', type: 'r', key: keyFor(i % 2), data: { i } })),
    );
    await sleep(1_100);
    const boundary = new Date();
    await sleep(1_100);
    await p.send(
      Array.from({ length: 4 }, (_, i) => ({
        source: '/r',
        type: 'r',
        key: keyFor(i % 2),
        data: { i: 100 + i },
      })),
    );

    const offsetsSeen = async (
      from: Parameters<Broker['consumer']>[1] extends infer O
        ? O extends { from?: infer F }
          ? F
          : never
        : never,
      expected: number,
    ) => {
      const seen: { partition: string; offset: number; i: number }[] = [];
      const sub = await b.consumer(topic, { group: unique('g'), from }).subscribe(
        (e, ctx) =>
          void seen.push({
            partition: ctx.partition!,
            offset: ctx.offset!,
            i: (e.data as { i: number }).i,
          }),
      );
      await until(
        () => seen.length >= expected,
        30_000,
        `reading ${expected} events from ${JSON.stringify(from)}`,
      );
      await sleep(500);
      await sub.close();
      return seen;
    };

    const fromOffset = await offsetsSeen({ offset: 8 }, 2 * 4);
    expect(fromOffset).toHaveLength(8); // offsets 8..11 of both partitions
    expect(Math.min(...fromOffset.map((s) => s.offset))).toBe(8);

    const onePartition = await offsetsSeen({ offset: 11, partition: '1' }, 12 + 1);
    expect(onePartition.filter((s) => s.partition === '1').map((s) => s.offset)).toEqual([11]);
    expect(onePartition.filter((s) => s.partition === '0')).toHaveLength(12); // the others start at the earliest

    const fromTime = await offsetsSeen({ time: boundary }, 4);
    expect(fromTime.map((s) => s.i).sort((x, y) => x - y)).toEqual([100, 101, 102, 103]);

    // a group that committed resumes there, whatever `from` says
    const group = unique('resume');
    const first: number[] = [];
    const sub1 = await b
      .consumer(topic, { group, from: 'earliest' })
      .subscribe((e) => void first.push((e.data as { i: number }).i));
    await until(() => first.length >= 24, 30_000, 'first pass');
    await sub1.close();
    await p.send({ source: '/r', type: 'r', key: 'k0', data: { i: 999 } });
    const second: number[] = [];
    const sub2 = await b
      .consumer(topic, { group, from: 'earliest' })
      .subscribe((e) => void second.push((e.data as { i: number }).i));
    await until(() => second.length >= 1, 30_000, 'second pass');
    await sleep(1_000);
    await sub2.close();
    expect(second).toEqual([999]);
  });

  it('commits settled offsets before a rebalance revokes the partitions', async () => {
    // commits would otherwise wait a minute: only the rebalance can have committed them
    const b = await open('commitIntervalMs=60000');
    const topic = unique('rebalance');
    await b.createTopic(topic, { partitions: 2 });
    const group = unique('g');
    const n = 40;
    await b
      .producer(topic)
      .send(
        Array.from({ length: n }, (_, i) => ({ source: '/r', type: 'r', key: `k${i % 8}`, data: { i } })),
      );
    const handledByA = new Set<number>();
    const a = await b
      .consumer(topic, { group, from: 'earliest' })
      .subscribe((e) => void handledByA.add((e.data as { i: number }).i));
    await until(() => handledByA.size >= n, 30_000, 'A handles everything');
    await sleep(300); // acks are settled on the next turns
    const before = await committedOffsets(admin, group, topic);
    expect([...before.values()].every((o) => o < 0)).toBe(true); // nothing committed yet

    const other = await open('commitIntervalMs=60000');
    const handledByB: number[] = [];
    const bSub = await other
      .consumer(topic, { group, from: 'earliest' })
      .subscribe((e) => void handledByB.push((e.data as { i: number }).i));
    // B's join makes A rejoin: A commits what it settled before its partitions are reassigned
    await until(
      async () =>
        [...(await committedOffsets(admin, group, topic)).values()].reduce(
          (s, o) => s + Math.max(0, o),
          0,
        ) === n,
      30_000,
      'offsets of all settled events committed at the rebalance',
    );
    await sleep(2_000);
    expect(handledByB).toEqual([]); // B starts where A committed: nothing is redelivered
    await Promise.all([a.close(), bSub.close()]);
  });

  it('holds, then pauses fetching when handlers fall behind, and resumes, losing nothing', async () => {
    const receivers: DriverReceiver[] = [];
    const wrap = (d: Driver): Driver =>
      Object.assign(Object.create(d) as Driver, {
        openReceiver: async (...args: Parameters<Driver['openReceiver']>) => {
          const r = await d.openReceiver(...args);
          receivers.push(r);
          return r;
        },
      });
    const b = await open('maxBufferedEvents=10', wrap);
    const topic = unique('pause');
    await b.createTopic(topic, { partitions: 1 });
    const n = 100;
    await b
      .producer(topic)
      .send(Array.from({ length: n }, (_, i) => ({ source: '/p', type: 'p', data: { i } })));
    const seen = new Set<number>();
    // 2 handlers of 40 ms: draining a fetched batch takes seconds, longer than the one-second hold
    const sub = await b
      .consumer(topic, { group: unique('g'), from: 'earliest', concurrency: 2, maxInFlight: 2 })
      .subscribe(async (e) => {
        await sleep(40);
        seen.add((e.data as { i: number }).i);
      });
    await until(() => seen.size >= n, 60_000, 'handling every event');
    await sub.close();
    const stats = (receivers[0] as unknown as { stats: { holds: number; pauses: number; resumes: number } })
      .stats;
    expect(stats.holds).toBeGreaterThan(0);
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.resumes).toBeGreaterThan(0);
  });

  it('at-most-once: the offset is committed before the handler runs', async () => {
    const b = await open();
    const topic = unique('amo');
    await b.createTopic(topic, { partitions: 1 });
    const group = unique('g');
    await b.producer(topic).send({ source: '/a', type: 'a', data: { x: 1 } });
    const committedAtHandle: number[] = [];
    await b.consumer(topic, { group, from: 'earliest', delivery: 'at-most-once' }).subscribe(async () => {
      committedAtHandle.push((await committedOffsets(admin, group, topic)).get(0) ?? -1);
    });
    await until(() => committedAtHandle.length === 1, 30_000, 'handling');
    expect(committedAtHandle).toEqual([1]);
  });

  it('reads committed data only: records of aborted transactions never arrive', async () => {
    const b = await open();
    const topic = unique('rc');
    await b.createTopic(topic, { partitions: 1 });
    const tx = raw.producer({ transactionalId: unique('tx'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const aborted = await tx.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const committed = await tx.transaction();
    await committed.send({ topic, messages: [{ value: 'committed' }] });
    await committed.commit();
    await tx.disconnect();
    const got: string[] = [];
    await b
      .consumer(topic, { group: unique('g'), from: 'earliest' })
      .subscribe((e) => void got.push(String(e.data instanceof Uint8Array ? Buffer.from(e.data) : e.data)));
    await until(() => got.length >= 1, 30_000, 'the committed record');
    await sleep(1_000);
    expect(got).toEqual(['committed']);
  });
});

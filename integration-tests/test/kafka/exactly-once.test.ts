/**
 * Consume-transform-produce exactly once, Kafka to Kafka: a handler's ctx.send events and the
 * consumed offsets commit in one transaction; read_committed readers see every output once.
 *
 * @brokers kafka
 */
import type { Admin } from 'kafkajs';
import type { Broker, Event } from '@eventport/core';
import { committedOffsets, connectKafka, rawKafka, sleep, unique, until } from './support/kafka.js';

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

async function open(query = ''): Promise<Broker> {
  const b = await connectKafka(query);
  brokers.push(b);
  return b;
}

it('writes the outputs of every input once, with the input offsets in the same transactions', async () => {
  const b = await open();
  const input = unique('eos-in');
  const output = unique('eos-out');
  const group = unique('eos');
  await b.createTopic(input, { partitions: 3 });
  await b.createTopic(output, { partitions: 3 });
  const n = 300;
  await b.producer(input, { delivery: 'exactly-once' }).send(
    Array.from({ length: n }, (_, i) => ({
      source: '/orders',
      type: 'order',
      key: `c${i % 17}`,
      data: { i },
    })),
  );

  const failedOnce = new Set<number>();
  const sub = await b
    .consumer(input, {
      group,
      from: 'earliest',
      delivery: 'exactly-once',
      concurrency: 8,
      retry: { attempts: 3, backoff: 'fixed', initialDelayMs: 5 },
    })
    .subscribe(async (e, ctx) => {
      const i = (e.data as { i: number }).i;
      await ctx.send(output, { source: '/billing', type: 'invoice', key: e.key, data: { i } });
      if (i % 10 === 0 && !failedOnce.has(i)) {
        failedOnce.add(i);
        throw new Error('the first attempt fails after sending: its output must be dropped');
      }
    });

  const seen = new Map<number, number>();
  const reader = await b
    .consumer(output, { group: unique('reader'), from: 'earliest' })
    .subscribe((e: Event) => {
      const i = (e.data as { i: number }).i;
      seen.set(i, (seen.get(i) ?? 0) + 1);
    });
  await until(() => seen.size >= n, 60_000, 'every output');
  await sleep(1_500);
  await sub.close();
  await reader.close();

  expect(failedOnce.size).toBe(n / 10);
  expect([...seen.values()].filter((c) => c > 1)).toEqual([]);
  expect(seen.size).toBe(n);
  // the offsets went with the transactions
  const offsets = await committedOffsets(admin, group, input);
  expect([...offsets.values()].reduce((s, o) => s + o, 0)).toBe(n);
});

it('uses a multi-host bootstrap URL', async () => {
  const { kafkaBrokers } = await import('./support/kafka.js');
  const first = kafkaBrokers().split(',')[0]!;
  const port = first.split(':').pop();
  const { connect } = await import('@eventport/core');
  const b = await connect(`kafka://${first},localhost:${port}?clientId=multi`, { tracing: false });
  brokers.push(b);
  expect(String(b)).toContain(`kafka://${first},localhost:${port}`);
  const topic = unique('multi');
  const r = await b.producer(topic).send({ source: '/m', type: 'm' });
  expect(r.offset).toBe(0);
});

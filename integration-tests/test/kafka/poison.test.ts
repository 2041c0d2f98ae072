/**
 * Poison records written by a raw kafkajs producer on a real broker: a record with a null-valued
 * header (legal in Kafka) is consumed normally; records EventPort cannot decode (an unknown
 * specversion, invalid JSON in structured mode, a missing ce_type) are dead-lettered to
 * `<topic>.dlq` with the reason; the consumer survives, skips nothing and handles what follows.
 *
 * @brokers kafka
 */
import type { KafkaMessage } from 'kafkajs';
import type { Broker, Event } from '@eventport/core';
import { connectKafka, rawKafka, unique, until } from './support/kafka.js';

jest.setTimeout(90_000);

const raw = rawKafka();
const brokers: Broker[] = [];

afterAll(async () => {
  await Promise.allSettled(brokers.map((b) => b.close()));
});

async function readRaw(topic: string, n: number): Promise<KafkaMessage[]> {
  const consumer = raw.consumer({ groupId: unique('raw-reader'), maxWaitTimeInMs: 200 });
  const out: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
    await until(() => out.length >= n, 30_000, `reading ${n} raw records of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

it('null headers are ignored, undecodable records dead-lettered with the reason, nothing skipped', async () => {
  const b = await connectKafka();
  brokers.push(b);
  const topic = unique('poison');
  await b.createTopic(topic, { partitions: 1 });
  const ce = { ce_specversion: '1.0', ce_source: '/raw', ce_type: 't' };
  const producer = raw.producer();
  await producer.connect();
  // kafkajs 2.2.4 writes a null header value correctly (length -1) but sizes it first with
  // Buffer.byteLength(null), which throws: let that one call answer 0 while the poison is written.
  const byteLength = Buffer.byteLength;
  Buffer.byteLength = ((v: Parameters<typeof byteLength>[0], enc?: BufferEncoding) =>
    v === null ? 0 : byteLength(v, enc)) as typeof byteLength;
  try {
    await producer.send({
      topic,
      messages: [
        { value: '"first"', headers: { ...ce, ce_id: 'first', 'content-type': 'application/json' } },
        {
          value: '"nulls"',
          headers: {
            ...ce,
            ce_id: 'nulls',
            'content-type': 'application/json',
            ce_x: null,
            other: null,
          } as never,
        },
        { value: 'x', headers: { ...ce, ce_id: 'v03', ce_specversion: '0.3' } },
        { value: '{nope', headers: { 'content-type': 'application/cloudevents+json' } },
        { value: 'x', headers: { ce_specversion: '1.0', ce_id: 'notype', ce_source: '/raw' } },
        { value: '"last"', headers: { ...ce, ce_id: 'last', 'content-type': 'application/json' } },
      ],
    });
  } finally {
    Buffer.byteLength = byteLength;
    await producer.disconnect();
  }
  const seen: Event[] = [];
  const sub = await b
    .consumer(topic, { group: unique('g'), from: 'earliest' })
    .subscribe((e) => void seen.push(e));
  await until(() => seen.length >= 3, 30_000, 'the decodable records');
  const admin = raw.admin();
  await admin.connect();
  try {
    await until(
      async () => (await admin.listTopics()).includes(`${topic}.dlq`),
      30_000,
      'the dead-letter topic',
    );
  } finally {
    await admin.disconnect();
  }
  const dead = await readRaw(`${topic}.dlq`, 3);
  await sub.close();
  expect(seen.map((e) => e.id)).toEqual(['first', 'nulls', 'last']);
  expect(seen.map((e) => e.data)).toEqual(['first', 'nulls', 'last']);
  const reasons = dead.map((m) => String(m.headers?.ce_deadletterreason));
  expect(reasons).toHaveLength(3);
  for (const r of reasons) expect(r).toMatch(/^undecodable message: /);
  expect(reasons.join('\n')).toMatch(/specversion/);
  expect(reasons.join('\n')).toMatch(/JSON/);
  // The dead letters keep the poison bytes.
  expect(dead.map((m) => String(m.value)).sort()).toEqual(['x', 'x', '{nope']);
  expect(sub.stats.deadLettered).toBe(3);
});

/**
 * Fault tests against a Kafka node of this suite's own (see support/private-kafka.ts), so that
 * killing it disturbs no other suite:
 *
 * 1. The broker is SIGKILLed in the middle of a 10,000-event at-least-once stream and restarted on
 *    its data: every acknowledged event is consumed, none is lost (duplicates are allowed).
 * 2. An exactly-once consume-transform-produce worker process is SIGKILLed mid-stream and another
 *    takes over: the output topic holds every output exactly once.
 *
 * Every wait is bounded.
 *
 * @brokers kafka
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { connect, silentLogger, type Broker } from '@eventport/core';
import '@eventport/kafka';
import { PrivateKafka } from './support/private-kafka.js';
import { sleep, unique, until } from './support/kafka.js';

jest.setTimeout(300_000);

let node: PrivateKafka;
const brokers: Broker[] = [];
const children: ChildProcess[] = [];
const log = (line: string): void => void process.stderr.write(`[fault-kafka] ${line}\n`);

beforeAll(async () => {
  node = await PrivateKafka.create(log);
  const ms = await node.start(true);
  log(`private node ready on ${node.endpoint} in ${ms} ms`);
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.allSettled(brokers.map((b) => b.close()));
  await node?.destroy();
}, 60_000);

const QUERY = 'sessionTimeoutMs=6000&heartbeatIntervalMs=1000&commitIntervalMs=100&maxWaitTimeMs=200';

async function open(query = ''): Promise<Broker> {
  const b = await connect(`kafka://${node.endpoint}?${QUERY}${query}`, {
    tracing: false,
    logger: silentLogger,
  });
  brokers.push(b);
  return b;
}

it('SIGKILL of the broker mid-stream (10,000 events, at-least-once): every event is consumed, none lost', async () => {
  const b = await open();
  const topic = unique('fault-alo');
  await b.createTopic(topic, { partitions: 4 });
  const seen = new Map<string, number>();
  await b
    .consumer(topic, { group: unique('g'), from: 'earliest', concurrency: 16 })
    .subscribe((e) => void seen.set(e.id, (seen.get(e.id) ?? 0) + 1));
  const producer = b.producer(topic, {
    retry: { attempts: 60, backoff: 'exponential', initialDelayMs: 100, maxDelayMs: 1_000 },
  });

  const total = 10_000;
  const batch = 100;
  const acknowledged: string[] = [];
  let crash: Promise<void> | undefined;
  let killedAfter = -1;
  const started = Date.now();
  for (let k = 0; k < total / batch; k++) {
    if (k === 30) {
      killedAfter = acknowledged.length;
      crash = (async () => {
        await node.kill();
        log(`SIGKILL after ${killedAfter} acknowledged events`);
        await sleep(1_500);
        const ms = await node.start(false);
        log(`restarted on its data in ${ms} ms`);
      })();
    }
    const receipts = await producer.send(
      Array.from({ length: batch }, (_, i) => ({
        source: '/fault',
        type: 'tick',
        key: `k${(k * batch + i) % 64}`,
        data: { n: k * batch + i },
      })),
    );
    acknowledged.push(...receipts.map((r) => r.id));
    await sleep(20);
  }
  await crash;
  log(`all ${acknowledged.length} sends acknowledged after ${Date.now() - started} ms`);
  await until(() => acknowledged.every((id) => seen.has(id)), 120_000, 'every acknowledged event consumed');
  const lost = acknowledged.filter((id) => !seen.has(id));
  const duplicates = [...seen.values()].reduce((s, c) => s + c - 1, 0);
  log(
    `consumed ${seen.size} distinct events, ${duplicates} redelivered copies, ${lost.length} lost (kill after ${killedAfter})`,
  );
  expect(killedAfter).toBeGreaterThan(0);
  expect(killedAfter).toBeLessThan(total);
  expect(acknowledged).toHaveLength(total);
  expect(lost).toEqual([]);
});

it('SIGKILL of an exactly-once worker mid-stream: every output is in the output topic exactly once', async () => {
  const b = await open();
  const input = unique('fault-eos-in');
  const output = unique('fault-eos-out');
  const group = unique('eos');
  await b.createTopic(input, { partitions: 4 });
  await b.createTopic(output, { partitions: 4 });
  const total = 2_000;
  await b.producer(input, { delivery: 'exactly-once' }).send(
    Array.from({ length: total }, (_, i) => ({
      source: '/fault',
      type: 'order',
      key: `c${i % 50}`,
      data: { i },
    })),
  );

  // read_committed reader of the output topic (kafkajs' default isolation level)
  const kafka = new Kafka({ clientId: 'fault-reader', brokers: [node.endpoint], logLevel: logLevel.NOTHING });
  const reader = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 200 });
  const copies = new Map<number, number>();
  await reader.connect();
  await reader.subscribe({ topic: output, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const i = (JSON.parse(String(message.value)) as { i: number }).i;
      copies.set(i, (copies.get(i) ?? 0) + 1);
    },
  });

  // the same instanceId for both workers: the second one's transactional producer fences the first
  // one's and aborts its open transaction at once (a short transaction timeout bounds it anyway)
  const url = `kafka://${node.endpoint}?${QUERY}&instanceId=worker&transactionTimeoutMs=10000`;
  const worker = (): ChildProcess => {
    const script = path.join(__dirname, 'support', 'eos-worker.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, input, output, group, '5'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    child.stderr?.on('data', (d: Buffer) => log(`worker ${child.pid}: ${String(d).trim()}`));
    return child;
  };

  const first = worker();
  await until(() => copies.size >= total * 0.3, 120_000, 'the first worker to commit 30% of the outputs');
  first.kill('SIGKILL');
  const atKill = copies.size;
  log(`first worker SIGKILLed with ${atKill} outputs committed`);
  const second = worker();
  await until(() => copies.size >= total, 180_000, 'the second worker to finish the stream');
  await sleep(3_000); // late duplicates would show up here
  second.kill('SIGTERM');
  await reader.disconnect();

  const duplicated = [...copies.entries()].filter(([, c]) => c > 1);
  const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !copies.has(i));
  log(
    `${copies.size} distinct outputs, ${duplicated.length} duplicated, ${missing.length} missing (kill at ${atKill})`,
  );
  expect(atKill).toBeLessThan(total);
  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
});

/**
 * EventPort on SQS vs the raw AWS SDK (@aws-sdk/client-sqs): same server, same run, same messages
 * (a 1 KB JSON body and the CloudEvents attributes EventPort writes — ce_id, ce_source, ce_type,
 * ce_specversion, ce_time, content-type — as message attributes), same SDK client settings.
 *
 * Phases, per contender, alternating raw / EventPort over `ROUNDS` rounds (best round reported):
 *   produce — 20,000 events into an empty standard queue
 *   consume — a consumer drains those 20,000 (first to last event); each handler reads the
 *             attributes as strings and parses the JSON body, and the message is deleted
 *
 * Two raw baselines:
 *   loop       — what the issue names: a SendMessageBatch loop (10 per request, one request at a
 *                time); a ReceiveMessage (10, long poll) + DeleteMessageBatch loop
 *   concurrent — the raw SDK used with EventPort's concurrency: 50 SendMessageBatch requests in
 *                flight; 8 receive loops, each deleting its batch before the next receive
 *
 * Usage (from the repository root):
 *   npm run -w integration-tests brokers -- up elasticmq
 *   npx tsc --build && node --expose-gc bench/dist/sqs-bench.js [events] [rounds]
 * Server: EVENTPORT_SQS_ENDPOINT, else AWS_ENDPOINT_URL_SQS, else http://127.0.0.1:9324 (ElasticMQ).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { connect, silentLogger } from '@eventport/core';
import '@eventport/sqs';
import { bounded, fmt, gc } from './stats.js';

const EVENTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 2);
const ENDPOINT =
  process.env.EVENTPORT_SQS_ENDPOINT ?? process.env.AWS_ENDPOINT_URL_SQS ?? 'http://127.0.0.1:9324';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const SEND_CONCURRENCY = 50; // EventPort's sendConcurrency default
const RECEIVE_CONCURRENCY = 8; // EventPort's receiveConcurrency default
const TIMEOUT_MS = 300_000;

interface Figures {
  produce: number; // events/s
  consume: number; // events/s
  /** Client CPU (user + system) per event, in µs: steadier than rates on a busy machine. */
  produceCpu: number;
  consumeCpu: number;
}

/** Runs `phase` and returns its result with the process CPU time it took per event (µs). */
async function measured<T>(phase: () => Promise<T>): Promise<[T, number]> {
  const before = process.cpuUsage();
  const result = await phase();
  const used = process.cpuUsage(before);
  return [result, (used.user + used.system) / EVENTS];
}

/** The SDK client as EventPort configures it (one attempt per call, keep-alive, the same agent). */
function client(): SQSClient {
  const agent = { keepAlive: true, maxSockets: 128 };
  return new SQSClient({
    endpoint: ENDPOINT,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, httpAgent: agent, httpsAgent: agent },
  });
}

let seq = 0;
const queueName = (what: string): string => `bench-${what}-${process.pid}-${++seq}`;

/** A 1 KB JSON document. */
function data(i: number): { seq: number; pad: string } {
  return { seq: i, pad: 'x'.repeat(1024 - 22 - String(i).length) };
}

let checksum = 0;
/** The handler's work, identical for both contenders: look at the attributes and the data. */
function touch(id: string, type: string, d: { seq: number; pad: string }): void {
  checksum = (checksum + id.length + type.length + d.seq + d.pad.length) | 0;
}

// ---- raw SDK -----------------------------------------------------------------------------------

/** The attributes a raw user writes to carry what EventPort carries. */
function rawAttributes(): Record<string, MessageAttributeValue> {
  const s = (v: string): MessageAttributeValue => ({ DataType: 'String', StringValue: v });
  return {
    ce_specversion: s('1.0'),
    ce_id: s(randomUUID()),
    ce_source: s('/bench'),
    ce_type: s('bench.event'),
    ce_time: s(new Date().toISOString()),
    'content-type': s('application/json'),
  };
}

async function rawProduce(sqs: SQSClient, url: string, concurrency: number): Promise<number> {
  const start = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < EVENTS) {
      const base = next;
      next += 10;
      const n = Math.min(10, EVENTS - base);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: Array.from({ length: n }, (_, k) => ({
            Id: String(k),
            MessageBody: JSON.stringify(data(base + k)),
            MessageAttributes: rawAttributes(),
          })),
        }),
      );
      if ((out.Failed?.length ?? 0) > 0) throw new Error(`raw send: ${out.Failed!.length} entries failed`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (EVENTS / (performance.now() - start)) * 1000;
}

async function rawConsume(sqs: SQSClient, url: string, concurrency: number): Promise<number> {
  let handled = 0;
  let first = 0;
  let last = 0;
  const handle = (m: Message): void => {
    const a = m.MessageAttributes ?? {};
    touch(
      a.ce_id?.StringValue ?? '',
      a.ce_type?.StringValue ?? '',
      JSON.parse(m.Body ?? '{}') as { seq: number; pad: string },
    );
    if (handled++ === 0) first = performance.now();
    if (handled === EVENTS) last = performance.now();
  };
  const loop = async (): Promise<void> => {
    while (handled < EVENTS) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 30,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) continue;
      for (const m of messages) handle(m);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return (EVENTS / (last - first)) * 1000;
}

async function rawRound(concurrency: { send: number; receive: number }): Promise<Figures> {
  const sqs = client();
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: queueName('raw') }));
  try {
    gc();
    const [produce, produceCpu] = await measured(() =>
      bounded(rawProduce(sqs, url!, concurrency.send), 'raw produce', TIMEOUT_MS),
    );
    gc();
    const [consume, consumeCpu] = await measured(() =>
      bounded(rawConsume(sqs, url!, concurrency.receive), 'raw consume', TIMEOUT_MS),
    );
    return { produce, consume, produceCpu, consumeCpu };
  } finally {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    sqs.destroy();
  }
}

// ---- EventPort ---------------------------------------------------------------------------------

async function eventportRound(): Promise<Figures> {
  const broker = await connect(
    `sqs://?endpoint=${encodeURIComponent(ENDPOINT)}&region=${REGION}&waitTimeSeconds=1`,
    {
      tracing: false,
      logger: silentLogger,
    },
  );
  const topic = queueName('ep');
  try {
    await broker.createTopic(topic);
    gc();
    const cpu0 = process.cpuUsage();
    const producer = broker.producer(topic);
    const start = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let base = 0; base < EVENTS; base += 500) {
      const n = Math.min(500, EVENTS - base);
      sends.push(
        producer.send(
          Array.from({ length: n }, (_, k) => ({
            source: '/bench',
            type: 'bench.event',
            data: data(base + k),
          })),
        ),
      );
    }
    await bounded(Promise.all(sends), 'EventPort produce', TIMEOUT_MS);
    const produce = (EVENTS / (performance.now() - start)) * 1000;
    const cpu1 = process.cpuUsage(cpu0);
    await producer.close();
    gc();
    const cpu2 = process.cpuUsage();
    let handled = 0;
    let first = 0;
    let last = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const sub = await broker.consumer(topic, { deadLetter: false }).subscribe((e) => {
      touch(e.id, e.type, e.data as { seq: number; pad: string });
      if (handled++ === 0) first = performance.now();
      if (handled === EVENTS) {
        last = performance.now();
        resolveDone();
      }
    });
    await bounded(done, 'EventPort consume', TIMEOUT_MS);
    const cpu3 = process.cpuUsage(cpu2);
    await sub.close();
    return {
      produce,
      consume: (EVENTS / (last - first)) * 1000,
      produceCpu: (cpu1.user + cpu1.system) / EVENTS,
      consumeCpu: (cpu3.user + cpu3.system) / EVENTS,
    };
  } finally {
    await broker.deleteTopic(topic).catch(() => undefined);
    await broker.close();
  }
}

// ---- main --------------------------------------------------------------------------------------

function best(rounds: Figures[]): Figures {
  return {
    produce: Math.max(...rounds.map((r) => r.produce)),
    consume: Math.max(...rounds.map((r) => r.consume)),
    produceCpu: Math.min(...rounds.map((r) => r.produceCpu)),
    consumeCpu: Math.min(...rounds.map((r) => r.consumeCpu)),
  };
}

async function main(): Promise<void> {
  const loop: Figures[] = [];
  const concurrent: Figures[] = [];
  const ep: Figures[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    loop.push(await rawRound({ send: 1, receive: 1 }));
    console.error(`round ${r + 1} raw loop: ${JSON.stringify(loop.at(-1))}`);
    concurrent.push(await rawRound({ send: SEND_CONCURRENCY, receive: RECEIVE_CONCURRENCY }));
    console.error(`round ${r + 1} raw concurrent: ${JSON.stringify(concurrent.at(-1))}`);
    ep.push(await eventportRound());
    console.error(`round ${r + 1} EventPort: ${JSON.stringify(ep.at(-1))}`);
  }
  const a = best(loop);
  const c = best(concurrent);
  const b = best(ep);
  console.log(
    `SQS at ${ENDPOINT}, ${fmt(EVENTS)} events of 1 KB (JSON) + 6 CloudEvents attributes, standard queue, best of ${ROUNDS} rounds, node ${process.version}\n`,
  );
  console.log(
    '| figure | raw SDK loop | raw SDK concurrent | EventPort | EventPort / loop | EventPort / concurrent |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  const row = (name: string, k: keyof Figures): string =>
    `| ${name} | ${fmt(a[k])} | ${fmt(c[k])} | ${fmt(b[k])} | ${fmt(b[k] / a[k], 2)}x | ${fmt(b[k] / c[k], 2)}x |`;
  console.log(row('produce (events/s)', 'produce'));
  console.log(row('consume (events/s): receive, read attributes, parse JSON, delete', 'consume'));
  const cpuRow = (name: string, k: keyof Figures): string =>
    `| ${name} | ${fmt(a[k])} | ${fmt(c[k])} | ${fmt(b[k])} | ${fmt(a[k] / b[k], 2)}x | ${fmt(c[k] / b[k], 2)}x |`;
  console.log(
    cpuRow('client CPU per produced event (µs, lower is better; ratio raw / EventPort)', 'produceCpu'),
  );
  console.log(
    cpuRow('client CPU per consumed event (µs, lower is better; ratio raw / EventPort)', 'consumeCpu'),
  );
  if (checksum === 42) console.log('');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

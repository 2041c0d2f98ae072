/**
 * Poison messages written by the raw AWS SDK to a real SQS implementation (ElasticMQ): messages
 * EventPort cannot decode (an unknown specversion, a broken `ce_ext`, JSON data that is not JSON,
 * an unknown body mode) are dead-lettered with the reason and keep their body; plain messages
 * and good events around them are handled; the consumer survives.
 *
 * @brokers elasticmq
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { connect, silentLogger, type Broker, type Event } from '@eventport/core';
import { ATTR, type SqsNative } from '@eventport/sqs';
import { uniqueName } from '../support/env.js';
import { ENDPOINT_ENV, sqsTarget } from './support/harness.js';

jest.setTimeout(60_000);

async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let broker: Broker;
let raw: SQSClient;

beforeAll(async () => {
  broker = await connect(sqsTarget('elasticmq', 'standard'), { logger: silentLogger });
  raw = new SQSClient({
    endpoint: process.env[ENDPOINT_ENV.elasticmq],
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  await broker.close();
  raw.destroy();
});

it('undecodable messages are dead-lettered with the reason; the rest is handled', async () => {
  const t = uniqueName('sqs-poison');
  const dlq = `${t}.dlq`;
  const seen: Event[] = [];
  const dead: Event[] = [];
  const sub = await broker.consumer(t, { retry: { attempts: 2 } }).subscribe((e) => void seen.push(e));
  const deadSub = await broker.consumer(dlq).subscribe((e) => void dead.push(e));
  try {
    const url = await broker.raw<SqsNative>().queueUrl(t);
    const s = (v: string): { DataType: string; StringValue: string } => ({
      DataType: 'String',
      StringValue: v,
    });
    const ce = { [ATTR.specversion]: s('1.0'), [ATTR.source]: s('/raw'), [ATTR.type]: s('t') };
    await raw.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: '1', MessageBody: 'good', MessageAttributes: { ...ce, [ATTR.id]: s('good') } },
          { Id: '2', MessageBody: 'plain text from anyone' },
          {
            Id: '3',
            MessageBody: 'v',
            MessageAttributes: { ...ce, [ATTR.id]: s('v03'), [ATTR.specversion]: s('0.3') },
          },
          {
            Id: '4',
            MessageBody: 'e',
            MessageAttributes: { ...ce, [ATTR.id]: s('ext'), [ATTR.ext]: s('[1]') },
          },
          {
            Id: '5',
            MessageBody: '{oops',
            MessageAttributes: { ...ce, [ATTR.id]: s('json'), [ATTR.datacontenttype]: s('application/json') },
          },
          {
            Id: '6',
            MessageBody: 'z',
            MessageAttributes: { ...ce, [ATTR.id]: s('mode'), [ATTR.body]: s('zip') },
          },
        ],
      }),
    );
    await until(() => seen.length >= 2 && dead.length >= 4, 30_000, 'handled and dead-lettered messages');
    expect(seen.map((e) => e.data).sort()).toEqual(['good', 'plain text from anyone']);
    const reasons = dead.map((e) => String(e.extensions.deadletterreason));
    for (const r of reasons) expect(r).toMatch(/^undecodable message: /);
    expect(reasons.join('\n')).toMatch(/specversion/);
    expect(reasons.join('\n')).toMatch(/ce_ext/);
    expect(reasons.join('\n')).toMatch(/JSON/);
    expect(reasons.join('\n')).toMatch(/zip/);
    const bodies = dead.map((e) => Buffer.from(e.data as Uint8Array).toString('utf8')).sort();
    expect(bodies).toEqual(['e', 'v', 'z', '{oops']);
    expect(sub.stats.handled).toBe(2);
  } finally {
    await sub.close({ drainTimeoutMs: 0 });
    await deadSub.close({ drainTimeoutMs: 0 });
    await broker.deleteTopic(t).catch(() => undefined);
    await broker.deleteTopic(dlq).catch(() => undefined);
  }
});

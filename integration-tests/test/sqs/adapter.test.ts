/**
 * The SQS adapter against both real SQS implementations (ElasticMQ and moto), beyond the portable
 * conformance suite: the wire format as other SQS clients see it, plain producers, dead-letter
 * queues created and attached, FIFO order across a nack, request splitting, configuration forms,
 * and (moto) SNS fan-out with raw delivery.
 *
 * @brokers elasticmq moto
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  connect,
  ConfigError,
  createEvent,
  silentLogger,
  TopicNotFoundError,
  type Broker,
  type Event,
  type Subscription,
} from '@eventport/core';
import { ATTR, type SqsNative } from '@eventport/sqs';
import { deadline, uniqueName } from '../support/env.js';
import { ENDPOINT_ENV, SERVER_TITLE, sqsTarget, type SqsServer } from './support/harness.js';

jest.setTimeout(90_000);

const dummy = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

/** Waits until `predicate` holds (polling), or fails after `ms`. */
async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each<[SqsServer]>([['elasticmq'], ['moto']])('SQS adapter on %s', (server) => {
  const endpoint = (): string => process.env[ENDPOINT_ENV[server]] as string;
  let broker: Broker;
  let fifo: Broker;
  let raw: SQSClient;
  const subs: Subscription[] = [];
  const topics: [Broker, string][] = [];

  beforeAll(async () => {
    broker = await connect(sqsTarget(server, 'standard'), { logger: silentLogger });
    fifo = await connect(sqsTarget(server, 'fifo'), { logger: silentLogger });
    raw = new SQSClient({ endpoint: endpoint(), ...dummy });
  });

  afterEach(async () => {
    await Promise.allSettled(subs.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
    for (const [b, t] of topics.splice(0)) await b.deleteTopic(t).catch(() => undefined);
  });

  afterAll(async () => {
    await broker.close();
    await fifo.close();
    raw.destroy();
  });

  function topic(b: Broker, hint: string): string {
    const t = uniqueName(`sqs-${hint}`);
    topics.push([b, t]);
    return t;
  }

  async function collect(
    b: Broker,
    t: string,
    options: Parameters<Broker['consumer']>[1] = {},
  ): Promise<Event[]> {
    const got: Event[] = [];
    subs.push(await b.consumer(t, options).subscribe((e) => void got.push(e)));
    return got;
  }

  async function rawReceive(queueUrl: string): Promise<Message[]> {
    const out = await raw.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 2,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  test('an event on the wire: data as the body, CloudEvents attributes within 10 message attributes', async () => {
    const t = topic(broker, 'wire');
    await broker.createTopic(t);
    const event = createEvent({
      source: '/orders',
      type: 'order.created',
      subject: 'orders/42',
      dataschema: 'https://example.com/order',
      key: 'customer 42',
      data: { order: 42 },
      extensions: {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tenant: 'acme',
        n: 7,
      },
    });
    await broker.producer(t).send(event);
    const url = await broker.raw<SqsNative>().queueUrl(t);
    const [m] = await rawReceive(url);
    expect(m?.Body).toBe('{"order":42}');
    const attrs = m?.MessageAttributes ?? {};
    expect(Object.keys(attrs).length).toBeLessThanOrEqual(10);
    expect(attrs[ATTR.id]?.StringValue).toBe(event.id);
    expect(attrs[ATTR.type]?.StringValue).toBe('order.created');
    expect(attrs[ATTR.specversion]?.StringValue).toBe('1.0');
    expect(attrs[ATTR.datacontenttype]?.StringValue).toBe('application/json');
    expect(attrs[ATTR.key]?.StringValue).toBe('customer 42');
    expect(JSON.parse(attrs[ATTR.ext]?.StringValue ?? '{}')).toMatchObject({ tenant: 'acme', n: 7 });
  });

  test('an event that needs every attribute slot still goes through (the server enforces the limit of 10)', async () => {
    const t = topic(broker, 'slots');
    const got = await collect(broker, t);
    const sent = createEvent({
      source: '/s',
      type: 't',
      subject: 's',
      dataschema: 'https://example.com/s',
      key: 'k',
      data: 'text SQS cannot carry: \u0000 \uffff',
      extensions: { a: 1, b: true, c: 'x' },
    });
    await broker.producer(t).send(sent);
    await until(() => got.length >= 1, 15_000, 'delivery');
    expect(got[0]).toMatchObject({
      id: sent.id,
      subject: 's',
      dataschema: sent.dataschema,
      key: 'k',
      data: sent.data,
      extensions: { a: 1, b: true, c: 'x' },
    });
  });

  test('messages from a plain SQS producer are consumable: id = MessageId, data = body', async () => {
    const t = topic(broker, 'plain');
    const got = await collect(broker, t);
    const url = await broker.raw<SqsNative>().queueUrl(t);
    const text = await raw.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello from a plain producer' }),
    );
    const json = await raw.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: '{"plain":true}',
        MessageAttributes: { 'content-type': { DataType: 'String', StringValue: 'application/json' } },
      }),
    );
    await until(() => got.length >= 2, 15_000, 'plain deliveries');
    const byId = new Map(got.map((e) => [e.id, e]));
    expect(byId.get(text.MessageId!)).toMatchObject({
      type: 'eventport.plain',
      data: 'hello from a plain producer',
      source: url,
    });
    expect(byId.get(json.MessageId!)?.data).toEqual({ plain: true });
  });

  test('FIFO: MessageGroupId = key; a plain FIFO message keeps its group as the key', async () => {
    const t = topic(fifo, 'fifo-wire');
    await fifo.createTopic(t);
    await fifo.producer(t).send({ source: '/s', type: 't', key: 'cust-1', data: 1 });
    const url = await fifo.raw<SqsNative>().queueUrl(t);
    expect(url.endsWith('.fifo')).toBe(true);
    const [m] = await rawReceive(url);
    expect(m?.Attributes?.MessageGroupId).toBe('cust-1');
    expect(m?.Attributes?.MessageDeduplicationId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const got = await collect(fifo, t);
    await raw.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageGroupId: 'g-7',
        MessageDeduplicationId: 'd-7',
      }),
    );
    await until(() => got.some((e) => e.type === 'eventport.plain'), 20_000, 'plain FIFO delivery');
    expect(got.find((e) => e.type === 'eventport.plain')?.key).toBe('g-7');
  });

  test('FIFO: a nacked event comes back before the later events of its key (they wait in the adapter)', async () => {
    const t = topic(fifo, 'fifo-nack');
    await fifo.createTopic(t);
    await fifo
      .producer(t)
      .send(['a', 'b', 'c', 'd'].map((letter) => ({ source: '/s', type: 't', key: 'same', data: letter })));
    const order: string[] = [];
    let failed = false;
    subs.push(
      await fifo
        .consumer(t, {
          concurrency: 8,
          retry: { attempts: 3, backoff: 'fixed', initialDelayMs: 100 },
          deadLetter: false,
        })
        .subscribe((e) => {
          order.push(`${String(e.data)}`);
          if (e.data === 'a' && !failed) {
            failed = true;
            throw new Error('first attempt of a fails');
          }
        }),
    );
    await until(() => order.length >= 5, 30_000, 'all deliveries');
    expect(order).toEqual(['a', 'a', 'b', 'c', 'd']);
  });

  test('FIFO: handler attempts are counted, not receives: failing the first 2 attempts dead-letters nothing', async () => {
    const t = topic(fifo, 'fifo-attempts');
    const dlq = `${t}.dlq`;
    topics.push([fifo, dlq]);
    await fifo.createTopic(t);
    const keys = ['k0', 'k1', 'k2'];
    await fifo
      .producer(t)
      .send(Array.from({ length: 12 }, (_, i) => ({ source: '/s', type: 't', key: keys[i % 3], data: i })));
    const attempts = new Map<number, number[]>();
    let done = 0;
    subs.push(
      await fifo
        .consumer(t, { concurrency: 8, retry: { attempts: 5, backoff: 'fixed', initialDelayMs: 100 } })
        .subscribe((e, ctx) => {
          const seen = attempts.get(e.data as number) ?? [];
          attempts.set(e.data as number, [...seen, ctx.attempt]);
          if (ctx.attempt <= 2) throw new Error(`attempt ${ctx.attempt} fails`);
          done++;
        }),
    );
    const dead = await collect(fifo, dlq);
    await until(() => done >= 12, 60_000, 'every event handled');
    expect(dead).toEqual([]);
    for (let i = 0; i < 12; i++) expect([i, attempts.get(i)]).toEqual([i, [1, 2, 3]]);
  });

  test('50 consumers of one group on one connection start and share the stream', async () => {
    const t = topic(broker, 'many-consumers');
    await broker.createTopic(t);
    const got = new Set<number>();
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      subs.push(
        await broker.consumer(t, { group: 'workers' }).subscribe((e) => void got.add(e.data as number)),
      );
    }
    expect(Date.now() - started).toBeLessThan(20_000);
    await broker
      .producer(t)
      .send(Array.from({ length: 100 }, (_, i) => ({ source: '/s', type: 't', data: i })));
    await until(() => got.size >= 100, 30_000, 'every event received');
  });

  test('FIFO: a burst of one key larger than the room in flight waits (no busy loop) and keeps its order', async () => {
    const t = topic(fifo, 'fifo-burst');
    await fifo.createTopic(t);
    await fifo
      .producer(t)
      .send(Array.from({ length: 12 }, (_, i) => ({ source: '/s', type: 't', key: 'one', data: i })));
    const order: number[] = [];
    const cpu = process.cpuUsage();
    const started = Date.now();
    subs.push(
      await fifo.consumer(t, { maxInFlight: 4, concurrency: 4 }).subscribe(async (e) => {
        order.push(e.data as number);
        await new Promise((r) => setTimeout(r, 150));
      }),
    );
    await until(() => order.length >= 12, 30_000, '12 events of one key');
    const used = process.cpuUsage(cpu);
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // held-back messages are waited for, not polled for: the process stays mostly idle
    expect((used.user + used.system) / 1000).toBeLessThan((Date.now() - started) * 0.5);
  });

  test('dead-letter queue: created and attached with maxReceiveCount = attempts + 10; the reason travels with the event', async () => {
    const t = topic(broker, 'dlq');
    const dlq = `${t}.dlq`;
    topics.push([broker, dlq]);
    subs.push(
      await broker
        .consumer(t, { retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 100 }, leaseMs: 2_000 })
        .subscribe(() => {
          throw new Error('poison');
        }),
    );
    const native = broker.raw<SqsNative>();
    const url = await native.queueUrl(t);
    const attrs = await raw.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    const policy = JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}') as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    // SQS counts receives, EventPort handler attempts: the margin keeps SQS's redrive from firing first
    expect(Number(policy.maxReceiveCount)).toBe(2 + 10);
    expect(policy.deadLetterTargetArn.endsWith(':' + (await native.queueUrl(dlq)).split('/').pop())).toBe(
      true,
    );
    const dead = await collect(broker, dlq);
    const sent = await broker.producer(t).send({ source: '/s', type: 't', data: { poison: true } });
    await until(() => dead.length >= 1, 30_000, 'dead-lettered event');
    expect(dead[0]).toMatchObject({ id: sent.id, data: { poison: true } });
    expect(String(dead[0]!.extensions.deadletterreason)).toContain('poison');
    expect(String(dead[0]!.extensions.deadletterattempts)).toBe('2');
  });

  test('native redrive: a message received too often without being settled moves to the dead-letter queue', async () => {
    const t = topic(broker, 'redrive');
    const dlq = `${t}.dlq`;
    topics.push([broker, dlq]);
    // opening a consumer attaches the dead-letter queue; then it goes away
    const sub = await broker.consumer(t, { retry: { attempts: 2 } }).subscribe(() => undefined);
    await sub.close();
    const url = await broker.raw<SqsNative>().queueUrl(t);
    // an operator lowers the attached policy's maxReceiveCount to 2 (keeps the test short)
    const attached = await raw.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
    );
    const redrive = JSON.parse(attached.Attributes?.RedrivePolicy ?? '{}') as { deadLetterTargetArn: string };
    await raw.send(
      new SetQueueAttributesCommand({
        QueueUrl: url,
        Attributes: {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: redrive.deadLetterTargetArn,
            maxReceiveCount: 2,
          }),
        },
      }),
    );
    await raw.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'crashes its consumers' }));
    // a consumer that crashes twice: receives, never deletes
    for (let i = 0; i < 2; i++) {
      const out = await raw.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, VisibilityTimeout: 1 }),
      );
      expect(out.Messages?.length).toBe(1);
      await new Promise((r) => setTimeout(r, 1_200));
    }
    await raw.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 })); // the third receive moves it
    const dead = await collect(broker, dlq);
    await until(() => dead.length >= 1, 20_000, 'redriven message');
    expect(dead[0]?.data).toBe('crashes its consumers');
  });

  test('a consumer without dead-lettering leaves the queue without a RedrivePolicy', async () => {
    const t = topic(broker, 'no-dlq');
    subs.push(await broker.consumer(t, { deadLetter: false }).subscribe(() => undefined));
    const url = await broker.raw<SqsNative>().queueUrl(t);
    const attrs = await raw.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(attrs.Attributes?.RedrivePolicy).toBeUndefined();
  });

  test('a send larger than one request (10 entries, 1 MiB) is split; every event arrives', async () => {
    const t = topic(broker, 'split');
    const got = await collect(broker, t);
    const big = 'x'.repeat(150_000);
    const receipts = await broker
      .producer(t)
      .send(Array.from({ length: 25 }, (_, i) => ({ source: '/s', type: 't', data: `${i}:${big}` })));
    await until(() => got.length >= 25, 30_000, '25 large events');
    expect(new Set(got.map((e) => e.id))).toEqual(new Set(receipts.map((r) => r.id)));
  });

  test('delays: whole seconds up to 15 minutes; beyond is a ConfigError before anything is sent', async () => {
    const t = topic(broker, 'delay');
    const got: number[] = [];
    subs.push(await broker.consumer(t).subscribe(() => void got.push(Date.now())));
    const producer = broker.producer(t);
    await expect(
      producer.send({ source: '/s', type: 't' }, { delayMs: 15 * 60_000 + 1 }),
    ).rejects.toBeInstanceOf(ConfigError);
    const sentAt = Date.now();
    await producer.send({ source: '/s', type: 't' }, { delayMs: 1_200 });
    await until(() => got.length >= 1, 20_000, 'delayed event');
    expect(got[0]! - sentAt).toBeGreaterThanOrEqual(1_200);
    await expect(
      fifo.producer(topic(fifo, 'fifo-delay')).send({ source: '/s', type: 't' }, { delayMs: 1000 }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  test('autoCreateTopics=false: a missing queue is TopicNotFoundError on send and on subscribe', async () => {
    const strict = await connect(sqsTarget(server, 'standard', '&autoCreateTopics=false'), {
      logger: silentLogger,
    });
    try {
      const t = uniqueName('sqs-missing');
      await expect(strict.producer(t).send({ source: '/s', type: 't' })).rejects.toBeInstanceOf(
        TopicNotFoundError,
      );
      await expect(strict.consumer(t).subscribe(() => undefined)).rejects.toBeInstanceOf(TopicNotFoundError);
    } finally {
      await strict.close();
    }
  });

  test('a queue deleted under a running producer and consumer is re-created (auto-creation on)', async () => {
    const t = topic(broker, 'heal');
    const got = await collect(broker, t);
    const producer = broker.producer(t, { retry: { attempts: 6, initialDelayMs: 200 } });
    await producer.send({ source: '/s', type: 't', data: 1 });
    await until(() => got.length >= 1, 15_000, 'first event');
    const other = await connect(sqsTarget(server, 'standard'), { logger: silentLogger });
    await other.deleteTopic(t);
    await other.close();
    await new Promise((r) => setTimeout(r, 500));
    await deadline(
      producer.send({ source: '/s', type: 't', data: 2 }),
      30_000,
      'send after the queue vanished',
    );
    await until(() => got.some((e) => e.data === 2), 30_000, 'event after re-creation');
  });

  test('connection forms: a queue URL in sqs:// form, AWS_ENDPOINT_URL_SQS, and no secret in toString()', async () => {
    const name = uniqueName('sqs-bound');
    const created = await raw.send(new CreateQueueCommand({ QueueName: name }));
    const u = new URL(created.QueueUrl!);
    const e = new URL(endpoint());
    const bound = await connect(`sqs://${e.host}${u.pathname}`, { logger: silentLogger });
    try {
      expect(bound.capabilities.variant).toBe('standard');
      const got = await collect(bound, name);
      await bound.producer(name).send({ source: '/s', type: 'bound' });
      await until(() => got.length >= 1, 15_000, 'bound queue delivery');
    } finally {
      await Promise.allSettled(subs.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
      await bound.deleteTopic(name);
      await bound.close();
    }
    const saved = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = endpoint();
    try {
      const viaEnv = await connect('sqs://', { logger: silentLogger });
      expect(viaEnv.toString()).toContain(endpoint());
      const t = topic(viaEnv, 'env');
      await viaEnv.createTopic(t);
      await viaEnv.deleteTopic(t);
      await viaEnv.close();
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = saved;
    }
    const secret = await connect(
      `sqs://AKIDEXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY@orders?endpoint=${encodeURIComponent(endpoint())}`,
      {
        logger: silentLogger,
      },
    );
    expect(String(secret)).not.toContain('wJalrXUtnFEMI');
    expect(String(secret)).toContain('orders');
    await secret.close();
  });

  if (server === 'moto') {
    describe('fan-out through SNS (moto)', () => {
      let fan: Broker;
      beforeAll(async () => {
        fan = await connect(sqsTarget('moto', 'standard+sns'), { logger: silentLogger });
      });
      afterAll(() => fan.close());

      test('each group reads its own queue subscribed with raw delivery; plain SNS publishes are consumable', async () => {
        const t = topic(fan, 'fan');
        const a = await collect(fan, t, { group: 'billing' });
        const b = await collect(fan, t, { group: 'audit' });
        const sent = await fan
          .producer(t)
          .send(Array.from({ length: 20 }, (_, i) => ({ source: '/s', type: 't', data: i })));
        await until(() => a.length >= 20 && b.length >= 20, 60_000, 'both groups');
        expect(new Set(a.map((e) => e.id))).toEqual(new Set(sent.map((r) => r.id)));
        expect(new Set(b.map((e) => e.id))).toEqual(new Set(sent.map((r) => r.id)));
        // raw delivery: the group queue holds our message as is, not an SNS envelope
        const native = fan.raw<SqsNative>();
        expect(native.sns).toBeInstanceOf(SNSClient);
        const topicArn = `arn:aws:sns:us-east-1:123456789012:${t}`;
        await native.sns!.send(new PublishCommand({ TopicArn: topicArn, Message: 'plain SNS message' }));
        await until(() => a.some((e) => e.data === 'plain SNS message'), 60_000, 'plain SNS message');
        expect(a.find((e) => e.data === 'plain SNS message')?.type).toBe('eventport.plain');
      });
    });
  }

  test(`${SERVER_TITLE[server]}: capability variants differ`, () => {
    expect(broker.capabilities.label).toBe('sqs (standard)');
    expect(fifo.capabilities.label).toBe('sqs (fifo)');
    expect(broker.capabilities.supports('order.per-key')).toBe(false);
    expect(fifo.capabilities.isNative('order.per-key')).toBe(true);
  });
});

/**
 * The Event Grid adapter against EventPort's Event Grid emulator, with the raw Azure clients on
 * the other side: raw publisher -> EventPort consumer, EventPort producer -> raw receiver, every
 * attribute checked at wire level (plain fetch: @azure/eventgrid-namespaces 1.0.0 drops extension
 * attributes both ways), dead-letter with the reason, and the basic-topic producer through the
 * emulator's push delivery to a webhook.
 *
 * @brokers eventgrid
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { connect, createEvent, silentLogger, type Broker, type Event } from '@eventport/core';
import '@eventport/eventgrid';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

const endpoint = () => requireEnv('EVENTPORT_EVENTGRID_ENDPOINT');
const key = () => requireEnv('EVENTPORT_EVENTGRID_KEY');
const url = (extra = '') =>
  `eventgrid://${new URL(endpoint()).host}/orders?key=${encodeURIComponent(key())}${extra}`;
const rawOptions = () => ({ allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });

/** A plain-fetch receive (the namespace REST API): events exactly as stored. */
async function rawReceive(topic: string, sub: string, maxEvents = 100, maxWaitTime = 10) {
  const res = await fetch(
    `${endpoint()}/topics/${topic}/eventsubscriptions/${sub}:receive?api-version=2024-06-01&maxEvents=${maxEvents}&maxWaitTime=${maxWaitTime}`,
    { method: 'POST', headers: { authorization: `SharedAccessKey ${key()}` } },
  );
  expect(res.status).toBe(200);
  return (
    (await res.json()) as {
      value: { brokerProperties: { lockToken: string }; event: Record<string, unknown> }[];
    }
  ).value;
}

/** Declares an event subscription through the emulator's admin API (sees what is published after). */
async function declare(topic: string, sub: string): Promise<void> {
  const res = await fetch(`${endpoint()}/admin/namespaces/topics/${topic}/eventSubscriptions/${sub}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBeLessThan(300);
}

async function rawPublish(topic: string, events: unknown[]): Promise<void> {
  const res = await fetch(`${endpoint()}/topics/${topic}:publish?api-version=2024-06-01`, {
    method: 'POST',
    headers: {
      authorization: `SharedAccessKey ${key()}`,
      'content-type': 'application/cloudevents-batch+json',
    },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(200);
}

/** Subscribes and resolves with the first `n` events. */
async function collect(
  broker: Broker,
  topic: string,
  group: string,
  n: number,
  ms = 20_000,
): Promise<Event[]> {
  const got: Event[] = [];
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const sub = await broker.consumer(topic, { group }).subscribe(async (e) => {
    got.push(e);
    if (got.length >= n) done();
  });
  try {
    await deadline(all, ms, `${n} events on ${topic}/${group}`);
  } finally {
    await sub.close();
  }
  return got;
}

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('eventgrid interop (namespace topics)', () => {
  let broker: Broker;
  beforeAll(async () => {
    broker = await connect(url(), { logger: silentLogger });
  });
  afterAll(() => broker.close());

  test('EventPort producer -> raw clients: every attribute on the wire (fetch); the SDK receiver sees the core ones', async () => {
    const topic = uniqueName('interop-out');
    await declare(topic, 'wire');
    await declare(topic, 'sdk');
    const sdk = new EventGridReceiverClient(
      endpoint(),
      new AzureKeyCredential(key()),
      topic,
      'sdk',
      rawOptions(),
    );
    const event = createEvent({
      source: '/shop',
      type: 'order.created',
      subject: 'orders/7',
      dataschema: 'https://example.com/order.json',
      key: 'cust-42',
      extensions: { traceparent, tenant: 'acme', priority: 3, vip: true },
      data: { total: 42 },
    });
    await broker.producer(topic).send(event);
    const [wire] = await rawReceive(topic, 'wire');
    expect(wire!.event).toMatchObject({
      id: event.id,
      source: '/shop',
      type: 'order.created',
      specversion: '1.0',
      time: event.time,
      subject: 'orders/7',
      dataschema: 'https://example.com/order.json',
      datacontenttype: 'application/json',
      data: { total: 42 },
      partitionkey: 'cust-42',
      traceparent,
      tenant: 'acme',
      priority: 3,
      vip: true,
    });
    const viaSdk = await sdk.receiveEvents({ maxEvents: 10, maxWaitTime: 10 });
    expect(viaSdk.details).toHaveLength(1);
    expect(viaSdk.details[0]!.event).toMatchObject({
      id: event.id,
      source: '/shop',
      type: 'order.created',
      data: { total: 42 },
    });
    await sdk.acknowledgeEvents(viaSdk.details.map((d) => d.brokerProperties.lockToken));
  }, 60_000);

  test('raw publishers -> EventPort consumer: extensions and key from the wire, SDK events as sent', async () => {
    const topic = uniqueName('interop-in');
    await declare(topic, 'billing');
    await rawPublish(topic, [
      {
        id: 'raw-1',
        source: '/legacy',
        type: 'order.paid',
        specversion: '1.0',
        time: '2026-05-01T10:00:00.5+02:00',
        subject: 's',
        datacontenttype: 'application/json',
        data: { paid: true },
        partitionkey: 'cust-7',
        traceparent,
        region: 'eu',
      },
    ]);
    const sender = new EventGridSenderClient(endpoint(), new AzureKeyCredential(key()), topic, rawOptions());
    await sender.sendEvents({ type: 'order.shipped', source: '/sdk', id: 'sdk-1', data: { n: 1 } });
    const got = await collect(broker, topic, 'billing', 2);
    const byId = Object.fromEntries(got.map((e) => [e.id, e]));
    expect(byId['raw-1']).toMatchObject({
      source: '/legacy',
      type: 'order.paid',
      time: '2026-05-01T10:00:00.5+02:00',
      subject: 's',
      data: { paid: true },
      key: 'cust-7',
      extensions: { traceparent, region: 'eu' },
    });
    expect(byId['sdk-1']).toMatchObject({
      source: '/sdk',
      type: 'order.shipped',
      data: { n: 1 },
      key: undefined,
    });
  }, 60_000);

  test('binary and text data round-trip through EventPort on both ends', async () => {
    const topic = uniqueName('interop-bytes');
    const producer = broker.producer(topic);
    await declare(topic, 'g');
    const sub = collect(broker, topic, 'g', 2);
    const bin = createEvent({ source: '/s', type: 'b', data: new Uint8Array([0, 255, 10, 13]) });
    const text = createEvent({
      source: '/s',
      type: 't',
      datacontenttype: 'text/plain; charset=utf-8',
      data: 'héllo\n"x"',
    });
    await producer.send([bin, text]);
    const got = await sub;
    const byId = Object.fromEntries(got.map((e) => [e.id, e]));
    expect(byId[bin.id]!.data).toEqual(new Uint8Array([0, 255, 10, 13]));
    expect(byId[text.id]).toEqual(text);
  }, 60_000);

  test('dead-letter: after the attempts, the event is on <topic>.dlq (namespace topic <topic>-dlq) with the reason, and gone from the subscription', async () => {
    const topic = uniqueName('dlq');
    await declare(`${topic}-dlq`, 'inspect');
    let attempts = 0;
    const sub = await broker
      .consumer(topic, { group: 'worker', retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 10 } })
      .subscribe(async () => {
        attempts++;
        throw new Error('card declined');
      });
    const event = createEvent({
      source: '/s',
      type: 'order',
      key: 'k9',
      extensions: { traceparent },
      data: { id: 9 },
    });
    await broker.producer(topic).send(event);
    let dead: Record<string, unknown> | undefined;
    for (let i = 0; i < 10 && dead === undefined; i++)
      dead = (await rawReceive(`${topic}-dlq`, 'inspect', 10, 10))[0]?.event;
    await sub.close();
    expect(attempts).toBe(2);
    expect(dead).toMatchObject({ id: event.id, partitionkey: 'k9', traceparent, data: { id: 9 } });
    expect(String(dead!.deadletterreason)).toMatch(/card declined/);
    // acknowledged on the original subscription: nothing available, locked or delayed there
    const admin = (await (await fetch(`${endpoint()}/admin`)).json()) as {
      namespaceTopics: {
        name: string;
        subscriptions: { name: string; available: number; locked: number; delayed: number }[];
      }[];
    };
    const worker = admin.namespaceTopics
      .find((t) => t.name === topic)!
      .subscriptions.find((s) => s.name === 'worker');
    expect(worker).toMatchObject({ available: 0, locked: 0, delayed: 0 });
  }, 90_000);

  test('competing receivers on one subscription share the events; another subscription gets them all', async () => {
    const topic = uniqueName('groups');
    const a: string[] = [];
    const b: string[] = [];
    const fan: string[] = [];
    const subs = await Promise.all([
      broker.consumer(topic, { group: 'work' }).subscribe(async (e) => void a.push(e.id)),
      broker.consumer(topic, { group: 'work' }).subscribe(async (e) => void b.push(e.id)),
      broker.consumer(topic, { group: 'audit' }).subscribe(async (e) => void fan.push(e.id)),
    ]);
    const events = Array.from({ length: 200 }, (_, i) => createEvent({ source: '/s', type: 't', data: i }));
    await broker.producer(topic).send(events);
    const until = Date.now() + 20_000;
    while ((a.length + b.length < 200 || fan.length < 200) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    await Promise.all(subs.map((s) => s.close()));
    expect(new Set([...a, ...b]).size).toBe(200);
    expect(a.length + b.length).toBe(200);
    expect(new Set(fan).size).toBe(200);
  }, 60_000);
});

describe('eventgrid basic topic producer', () => {
  test('basic-topic producer (CloudEvents schema): a webhook of the emulator receives every attribute', async () => {
    const received: Record<string, unknown>[] = [];
    const hook = http.createServer((req, res) => {
      if (req.method === 'OPTIONS') {
        res.writeHead(200, {
          'WebHook-Allowed-Origin': String(req.headers['webhook-request-origin'] ?? '*'),
        });
        res.end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as
          Record<string, unknown> | Record<string, unknown>[];
        received.push(...(Array.isArray(body) ? body : [body]));
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    const topic = uniqueName('basic');
    const broker = await connect(url('&mode=basic'), { logger: silentLogger });
    try {
      // the topic takes the CloudEvents schema; then a webhook subscription (handshake by OPTIONS)
      const put = await fetch(`${endpoint()}/admin/topics/${topic}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputSchema: 'CloudEventSchemaV1_0' }),
      });
      expect(put.status).toBeLessThan(300);
      const subscribe = await fetch(`${endpoint()}/admin/topics/${topic}/eventSubscriptions/hook`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpointUrl: `http://127.0.0.1:${port}/events` }),
      });
      expect(subscribe.status).toBe(201);
      expect(broker.capabilities.variant).toBe('basic');
      const event = createEvent({
        source: '/shop',
        type: 'order.created',
        subject: 'orders/1',
        key: 'cust-1',
        extensions: { traceparent, tenant: 'acme' },
        data: { total: 1 },
      });
      await broker.producer(topic).send(event);
      const until = Date.now() + 15_000;
      while (received.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(received[0]).toMatchObject({
        id: event.id,
        source: '/shop',
        type: 'order.created',
        subject: 'orders/1',
        time: event.time,
        data: { total: 1 },
        partitionkey: 'cust-1',
        traceparent,
        tenant: 'acme',
      });
    } finally {
      await broker.close();
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
    }
  }, 60_000);
});

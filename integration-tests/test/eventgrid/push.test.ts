/**
 * Push delivery on basic topics (mode=basic) against EventPort's Event Grid emulator: the
 * emulator pushes to EventPort's endpoint (core's PushEndpoint with the Event Grid codec), which
 * here is mounted in the test's own node:http server through `broker.raw().pushHandler` (the
 * framework path), or runs as EventPort's own listener. Covers both validation handshakes,
 * authentication, retries that succeed, dead-lettering, Event Grid and CloudEvents schema, and
 * the raw publisher -> EventPort consumer direction with extensions intact.
 *
 * @brokers eventgrid
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { connect, silentLogger, type Broker, type Event, type Subscription } from '@eventport/core';
import type { EventGridNative } from '@eventport/eventgrid';
import '@eventport/eventgrid';
import { deadline, requireEnv, uniqueName } from '../support/env.js';

const endpoint = () => requireEnv('EVENTPORT_EVENTGRID_ENDPOINT');
const key = () => requireEnv('EVENTPORT_EVENTGRID_KEY');
const SECRET = 'push-test-secret';
const FAST = { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 };

interface Mounted {
  readonly broker: Broker;
  readonly base: string;
  close(): Promise<void>;
}

/** A basic-topic connection whose push handler is mounted in a test-owned node:http server. */
async function mounted(): Promise<Mounted> {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const broker = await connect(
    {
      kind: 'eventgrid',
      endpoint: endpoint(),
      key: key(),
      mode: 'basic',
      listen: 'off',
      pushEndpoint: base,
      pushSecret: SECRET,
    },
    { logger: silentLogger },
  );
  handler = (broker.raw() as EventGridNative).pushHandler;
  return {
    broker,
    base,
    close: async () => {
      await broker.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function publisher(topic: string, schema: 'CloudEvent' | 'EventGrid') {
  return new EventGridPublisherClient(
    `${endpoint()}/topics/${topic}/api/events`,
    schema as 'CloudEvent',
    new AzureKeyCredential(key()),
    { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
  );
}

async function deadLetters(topic: string, sub: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${endpoint()}/admin/deadletters/${topic}/${sub}`);
  return ((await res.json()) as { value: Record<string, unknown>[] }).value;
}

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('eventgrid push (basic topics) on the emulator', () => {
  let m: Mounted;
  /** A consumer on `handshake/hs-group`, so that the handshake requests below reach a route. */
  let routed: Subscription;
  beforeAll(async () => {
    m = await mounted();
    routed = await m.broker.consumer('handshake', { group: 'hs-group' }).subscribe(() => undefined);
  });
  afterAll(async () => {
    await routed.close();
    await m.close();
  });

  test('CloudEvents handshake: OPTIONS with WebHook-Request-Origin is answered with WebHook-Allowed-Origin', async () => {
    const res = await fetch(`${m.base}/eventgrid/handshake/hs-group?secret=${SECRET}`, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  test('Event Grid schema handshake: the SubscriptionValidationEvent is answered with its validationCode', async () => {
    const res = await fetch(`${m.base}/eventgrid/handshake/hs-group?secret=${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([
        {
          id: '1',
          topic: '/x',
          subject: '',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: new Date().toISOString(),
          dataVersion: '2',
          data: { validationCode: 'code-123', validationUrl: 'http://127.0.0.1/validate' },
        },
      ]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ validationResponse: 'code-123' });
  });

  test('a path no consumer listens on is answered 404 (retried by the service), before any authentication', async () => {
    const res = await fetch(`${m.base}/eventgrid/nobody/here`, {
      method: 'OPTIONS',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    expect(res.status).toBe(404);
  });

  test('the endpoint refuses unauthenticated requests (no or wrong secret) with 401 and runs no handler', async () => {
    const topic = uniqueName('push-auth');
    let handled = 0;
    const sub = await m.broker.consumer(topic, { group: 'auth' }).subscribe(() => void handled++);
    try {
      const forged = JSON.stringify([{ specversion: '1.0', id: 'f1', source: '/evil', type: 'forged' }]);
      for (const query of ['', '?secret=wrong', `?secret=${SECRET}x`]) {
        const res = await fetch(`${m.base}/eventgrid/${topic}/auth${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/cloudevents-batch+json', 'aeg-event-type': 'Notification' },
          body: forged,
        });
        expect(res.status).toBe(401);
      }
      const options = await fetch(`${m.base}/eventgrid/${topic}/auth`, {
        method: 'OPTIONS',
        headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net' },
      });
      expect(options.status).toBe(401);
      await new Promise((r) => setTimeout(r, 200));
      expect(handled).toBe(0);
    } finally {
      await sub.close();
    }
  });

  test('the emulator refuses to create a subscription whose webhook lacks the secret (handshake answered 401)', async () => {
    const topic = uniqueName('push-noauth');
    await fetch(`${endpoint()}/admin/topics/${topic}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputSchema: 'CloudEventSchemaV1_0' }),
    });
    const res = await fetch(`${endpoint()}/admin/topics/${topic}/eventSubscriptions/nosecret`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpointUrl: `${m.base}/eventgrid/${topic}/nosecret` }),
    });
    expect(res.status).toBe(400);
  });

  test('a push that fails twice then succeeds: attempts 1, 2, 3 from aeg-delivery-count, then acknowledged (no dead letter)', async () => {
    const topic = uniqueName('push-retry');
    const attempts: number[] = [];
    let done!: () => void;
    const handled = new Promise<void>((r) => (done = r));
    const sub = await m.broker
      .consumer(topic, { group: 'retry', retry: { ...FAST, attempts: 5 } })
      .subscribe((e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`flaky ${ctx.attempt}`);
        done();
      });
    try {
      await m.broker.producer(topic).send({ source: '/t', type: 'flaky', data: { n: 1 } });
      await deadline(handled, 20_000, 'the third attempt');
      await new Promise((r) => setTimeout(r, 500));
      expect(attempts).toEqual([1, 2, 3]);
      expect(await deadLetters(topic, 'RETRY')).toEqual([]);
      expect(await deadLetters(topic, 'retry')).toEqual([]);
    } finally {
      await sub.close();
    }
  });

  test('dead-letter: ctx.deadLetter(reason) answers 400 with the reason; the service dead-letters it at once, not retried', async () => {
    const topic = uniqueName('push-dlq');
    const seen: number[] = [];
    const sub = await m.broker.consumer(topic, { group: 'dlq', retry: FAST }).subscribe(async (_e, ctx) => {
      seen.push(ctx.attempt);
      await ctx.deadLetter('order 7 has no customer');
    });
    try {
      const id = uniqueName('poison');
      await m.broker.producer(topic).send({ id, source: '/t', type: 'poison', data: { n: 7 } });
      let records: Record<string, unknown>[] = [];
      await until(
        async () => {
          records = [...(await deadLetters(topic, 'dlq')), ...(await deadLetters(topic, 'DLQ'))];
          return records.length > 0;
        },
        10_000,
        'the dead-letter record',
      );
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        deadLetterReason: 'UndeliverableDueToHttpBadRequest',
        lastHttpStatusCode: 400,
      });
      expect(JSON.stringify(records[0])).toContain(id);
      expect(seen).toEqual([1]);

      // The reason is in the 400 body (the service does not keep it): seen through a direct push.
      const direct = await fetch(`${m.base}/eventgrid/${topic}/dlq?secret=${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'aeg-delivery-count': '0' },
        body: JSON.stringify({ specversion: '1.0', id: 'd1', source: '/t', type: 'poison', data: {} }),
      });
      expect(direct.status).toBe(400);
      expect(await direct.text()).toContain('order 7 has no customer');
    } finally {
      await sub.close();
    }
  });

  test('a handler that keeps failing is dead-lettered after the retry budget (400 on the last attempt)', async () => {
    const topic = uniqueName('push-exhaust');
    const attempts: number[] = [];
    const sub = await m.broker.consumer(topic, { group: 'exhaust', retry: FAST }).subscribe((_e, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('always');
    });
    try {
      await m.broker.producer(topic).send({ source: '/t', type: 'bad', data: {} });
      await until(async () => (await deadLetters(topic, 'exhaust')).length > 0, 15_000, 'dead letter');
      const [record] = await deadLetters(topic, 'exhaust');
      expect(record).toMatchObject({
        deadLetterReason: 'UndeliverableDueToHttpBadRequest',
        deliveryAttempts: 3,
      });
      expect(attempts).toEqual([1, 2, 3]);
    } finally {
      await sub.close();
    }
  });

  test('raw EventGridPublisherClient (CloudEvents) -> EventPort push consumer: every attribute and extension intact', async () => {
    const topic = uniqueName('push-ce');
    const got: Event[] = [];
    const sub = await m.broker.consumer(topic, { group: 'interop' }).subscribe((e) => void got.push(e));
    try {
      await publisher(topic, 'CloudEvent').send([
        {
          id: 'ce-1',
          source: '/shop',
          type: 'order.created',
          subject: 'orders/7',
          dataschema: 'https://example.com/order.json',
          datacontenttype: 'application/json',
          time: new Date('2026-01-02T03:04:05.678Z'),
          data: { total: 42 },
          extensionAttributes: {
            partitionkey: 'cust-42',
            tenant: 'acme',
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          },
        },
      ]);
      await until(() => got.length > 0, 10_000, 'the pushed event');
      expect(got[0]).toMatchObject({
        id: 'ce-1',
        source: '/shop',
        type: 'order.created',
        subject: 'orders/7',
        dataschema: 'https://example.com/order.json',
        key: 'cust-42',
        data: { total: 42 },
        extensions: {
          tenant: 'acme',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
      });
      expect(new Date(got[0]!.time!).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    } finally {
      await sub.close();
    }
  });

  test('Event Grid schema topic: the emulator validates with the SubscriptionValidationEvent, pushes are mapped to events', async () => {
    const topic = uniqueName('push-egs');
    const put = await fetch(`${endpoint()}/admin/topics/${topic}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputSchema: 'EventGridSchema' }),
    });
    expect(put.status).toBeLessThan(300);
    const got: Event[] = [];
    const sub = await m.broker.consumer(topic, { group: 'egschema' }).subscribe((e) => void got.push(e));
    try {
      await publisher(topic, 'EventGrid').send([
        {
          id: 'eg-1',
          subject: 'orders/8',
          eventType: 'Shop.OrderCreated',
          dataVersion: '1.0',
          eventTime: new Date('2026-01-02T03:04:05Z'),
          data: { total: 8 },
        } as never,
      ]);
      await until(() => got.length > 0, 10_000, 'the pushed event');
      expect(got[0]).toMatchObject({
        id: 'eg-1',
        type: 'Shop.OrderCreated',
        subject: 'orders/8',
        data: { total: 8 },
        extensions: { dataversion: '1.0', metadataversion: '1' },
      });
      expect(got[0]!.source).toMatch(new RegExp(`/topics/${topic}$`));
    } finally {
      await sub.close();
    }
  });
});

describe('eventgrid basic producer with schema=eventgrid', () => {
  test('publishes Event Grid schema events; the push consumer maps them back (type, subject, time, data, dataversion)', async () => {
    const broker = await connect(
      `eventgrid://${new URL(endpoint()).host}/egs?key=${encodeURIComponent(key())}&mode=basic&schema=eventgrid`,
      { logger: silentLogger },
    );
    const topic = uniqueName('push-egs-out');
    try {
      const got: Event[] = [];
      const sub = await broker.consumer(topic, { group: 'egs' }).subscribe((e) => void got.push(e));
      try {
        await broker.producer(topic).send({
          id: 'egs-1',
          source: '/ignored',
          type: 'Shop.OrderShipped',
          subject: 'orders/9',
          time: '2026-01-02T03:04:05.000Z',
          extensions: { dataversion: '2.0' },
          data: { total: 9 },
        });
        await until(() => got.length > 0, 10_000, 'the pushed event');
        expect(got[0]).toMatchObject({
          id: 'egs-1',
          type: 'Shop.OrderShipped',
          subject: 'orders/9',
          data: { total: 9 },
          extensions: { dataversion: '2.0' },
        });
        expect(new Date(got[0]!.time!).toISOString()).toBe('2026-01-02T03:04:05.000Z');
        expect(got[0]!.source).toMatch(new RegExp(`/topics/${topic}$`));
      } finally {
        await sub.close();
      }
    } finally {
      await broker.close();
    }
  });
});

describe("eventgrid push with EventPort's own listener", () => {
  test('listen=127.0.0.1:0: the consumer starts a listener the emulator subscription points at; closing the subscription unroutes it, closing the connection stops it', async () => {
    const broker = await connect(
      `eventgrid://${new URL(endpoint()).host}/own?key=${encodeURIComponent(key())}&mode=basic`,
      { logger: silentLogger },
    );
    const topic = uniqueName('push-own');
    try {
      const got: Event[] = [];
      const sub = await broker.consumer(topic, { group: 'own' }).subscribe((e) => void got.push(e));
      await broker.producer(topic).send([1, 2, 3].map((n) => ({ source: '/t', type: 'n', data: { n } })));
      await until(() => got.length === 3, 10_000, 'three events');
      // the emulator's subscription points at the listener the consumer started
      const admin = (await (await fetch(`${endpoint()}/admin`)).json()) as {
        topics: { name: string; eventSubscriptions: { name: string; endpointBaseUrl: string }[] }[];
      };
      const webhook = admin.topics.find((t) => t.name === topic)?.eventSubscriptions[0]?.endpointBaseUrl;
      expect(webhook).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/eventgrid\//);
      const post = () => fetch(webhook!, { method: 'POST', body: '[]' });
      expect((await post()).status).not.toBe(404);
      await sub.close();
      // the subscription closed: its route is gone (404, which the service retries), the listener stays for the connection
      expect((await post()).status).toBe(404);
      await broker.close();
      // the connection closed: nothing listens there any more
      await expect(post()).rejects.toThrow();
    } finally {
      await broker.close();
    }
  });
});

/**
 * Push delivery to real node:http webhooks: handshakes, retry semantics, max attempts, TTL,
 * dead-letter files, filters, subscriptions from a config file. Events are published with the
 * real EventGridPublisherClient. Retry schedule 50 ms then 100 ms; delivery timeout 300 ms;
 * timeScale 0.001 (a 1-minute TTL lasts 60 ms).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { loadConfigFile, startEmulator, type RunningEmulator } from '../src/index.js';
import {
  defaultReply,
  eventually,
  startWebhook,
  type Received,
  type Reply,
  type Webhook,
} from './helpers.js';

const KEY = 'eventport-dev-key';
let emulator: RunningEmulator;
let deadLetterDir: string;
const webhooks: Webhook[] = [];
let seq = 0;

beforeAll(async () => {
  deadLetterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eg-dead-'));
  emulator = await startEmulator({
    port: 0,
    retrySchedule: [50, 100],
    deliveryTimeoutMs: 300,
    timeScale: 0.001,
    deadLetterDir,
  });
});
afterAll(async () => {
  await emulator.close();
  await Promise.all(webhooks.map((w) => w.close()));
  fs.rmSync(deadLetterDir, { recursive: true, force: true });
});

async function hook(answer?: (request: Received, index: number) => Reply | undefined): Promise<Webhook> {
  const webhook = await startWebhook(answer);
  webhooks.push(webhook);
  return webhook;
}
/** Answers handshakes correctly and the n-th notification (0-based) with `statuses[n]` (last repeats). */
function statuses(...list: number[]) {
  let n = 0;
  return (request: Received): Reply | undefined => {
    if (request.method === 'OPTIONS' || request.headers['aeg-event-type'] === 'SubscriptionValidation')
      return undefined;
    const status = list[Math.min(n, list.length - 1)] as number;
    n += 1;
    return { status };
  };
}
async function subscribe(topic: string, name: string, body: Record<string, unknown>) {
  return fetch(`${emulator.url}/admin/topics/${topic}/eventSubscriptions/${name}`, {
    method: 'PUT',
    body: JSON.stringify(body),
  });
}
function publisher(topic: string) {
  return new EventGridPublisherClient(
    `${emulator.url}/topics/${topic}/api/events`,
    'EventGrid',
    new AzureKeyCredential(KEY),
    {
      allowInsecureConnection: true,
    },
  );
}
const egEvent = (subject: string, eventType = 'order.created') => ({
  eventType,
  subject,
  dataVersion: '1.0',
  data: { subject },
});
function deadLetterFiles(topic: string, sub: string): Record<string, unknown>[] {
  const root = path.join(deadLetterDir, topic, sub.toUpperCase());
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(fs.readFileSync(path.join(root, f), 'utf8')) as Record<string, unknown>[]);
}
async function setup(answer: (request: Received) => Reply | undefined, body: Record<string, unknown> = {}) {
  const topic = `push-${++seq}`;
  const webhook = await hook(answer);
  const res = await subscribe(topic, 'sub', { endpointUrl: webhook.url, ...body });
  expect(res.status).toBe(201);
  return { topic, webhook, client: publisher(topic) };
}

test('500 is retried on the schedule until the webhook answers 2xx', async () => {
  const { webhook, client } = await setup(statuses(500, 503, 200));
  await client.send([egEvent('a')]);
  const got = await eventually(
    () => (webhook.notifications().length >= 3 ? webhook.notifications() : undefined),
    5000,
    'three attempts',
  );
  expect(got.map((r) => r.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
  expect((got[1]?.at ?? 0) - (got[0]?.at ?? 0)).toBeGreaterThanOrEqual(45);
  expect((got[2]?.at ?? 0) - (got[1]?.at ?? 0)).toBeGreaterThanOrEqual(95);
  await new Promise((r) => setTimeout(r, 300));
  expect(webhook.notifications()).toHaveLength(3);
  expect(emulator.basic.subscription('push-1', 'sub')?.stats).toMatchObject({
    delivered: 1,
    attempts: 3,
    deadLettered: 0,
  });
});

test.each([400, 401, 403, 413])(
  '%i is not retried: dead-lettered at once with the reason',
  async (status) => {
    const { topic, webhook, client } = await setup(statuses(status));
    await client.send([egEvent('b')]);
    const [record] = await eventually(
      () => (deadLetterFiles(topic, 'sub').length > 0 ? deadLetterFiles(topic, 'sub') : undefined),
      5000,
      'dead-letter file',
    );
    expect(webhook.notifications()).toHaveLength(1);
    expect(record).toMatchObject({
      subject: 'b',
      deliveryAttempts: 1,
      lastHttpStatusCode: status,
      eventType: 'order.created',
    });
    expect(record?.deadLetterReason).toMatch(/^UndeliverableDueToHttp/);
    if (status === 400) expect(record?.deadLetterReason).toBe('UndeliverableDueToHttpBadRequest');
    expect(typeof record?.publishTime).toBe('string');
  },
);

test('after maxDeliveryAttempts the event is dead-lettered with MaxDeliveryAttemptsExceeded', async () => {
  const { topic, webhook, client } = await setup(statuses(503), { retryPolicy: { maxDeliveryAttempts: 3 } });
  await client.send([egEvent('c')]);
  const [record] = await eventually(
    () => (deadLetterFiles(topic, 'sub').length > 0 ? deadLetterFiles(topic, 'sub') : undefined),
    5000,
    'dead-letter file',
  );
  expect(webhook.notifications()).toHaveLength(3);
  expect(record).toMatchObject({
    deadLetterReason: 'MaxDeliveryAttemptsExceeded',
    deliveryAttempts: 3,
    lastDeliveryOutcome: 'ServiceUnavailable',
    lastHttpStatusCode: 503,
  });
});

test('a webhook that does not answer in time is retried (timeout)', async () => {
  const { webhook, client } = await setup((request) =>
    request.method === 'POST' &&
    request.headers['aeg-event-type'] === 'Notification' &&
    request.headers['aeg-delivery-count'] === '0'
      ? { status: 200, delayMs: 1000 }
      : undefined,
  );
  await client.send([egEvent('slow')]);
  const got = await eventually(
    () => (webhook.notifications().length >= 2 ? webhook.notifications() : undefined),
    5000,
    'retry after timeout',
  );
  expect(got[1]?.headers['aeg-delivery-count']).toBe('1');
});

test('an event past its time-to-live is dead-lettered with TimeToLiveExceeded', async () => {
  const { topic, webhook, client } = await setup(statuses(500), {
    retryPolicy: { eventTimeToLiveInMinutes: 1 },
  });
  await client.send([egEvent('ttl')]);
  const [record] = await eventually(
    () => (deadLetterFiles(topic, 'sub').length > 0 ? deadLetterFiles(topic, 'sub') : undefined),
    5000,
    'dead-letter file',
  );
  expect(record).toMatchObject({
    deadLetterReason: 'TimeToLiveExceeded',
    deliveryAttempts: webhook.notifications().length,
  });
  expect(webhook.notifications().length).toBeLessThan(30);
});

test('subject and event type filters pick what is delivered', async () => {
  const { webhook, client } = await setup(() => undefined, {
    filter: {
      subjectBeginsWith: '/orders/',
      subjectEndsWith: '.json',
      includedEventTypes: ['order.created'],
    },
  });
  await client.send([
    egEvent('/orders/1.json'),
    egEvent('/ORDERS/2.JSON'),
    egEvent('/orders/3.xml'),
    egEvent('/invoices/4.json'),
    egEvent('/orders/5.json', 'order.deleted'),
  ]);
  await eventually(() => (webhook.notifications().length >= 2 ? true : undefined), 5000, 'two deliveries');
  await new Promise((r) => setTimeout(r, 200));
  const subjects = webhook
    .notifications()
    .map((r) => (JSON.parse(r.body) as { subject: string }[])[0]?.subject);
  expect(subjects.sort()).toEqual(['/ORDERS/2.JSON', '/orders/1.json']);
});

test('a webhook that fails the handshake gets no subscription', async () => {
  const wrongCode = await hook((r) =>
    r.method === 'POST' ? { status: 200, body: JSON.stringify({ validationResponse: 'nope' }) } : undefined,
  );
  const res = await subscribe('refused', 'sub', { endpointUrl: wrongCode.url });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
    'validationResponse',
  );
  const noOrigin = await hook((r) => (r.method === 'OPTIONS' ? { status: 200 } : undefined));
  await fetch(`${emulator.url}/admin/topics/refused-ce`, {
    method: 'PUT',
    body: JSON.stringify({ inputSchema: 'CloudEventSchemaV1_0' }),
  });
  const ce = await subscribe('refused-ce', 'sub', { endpointUrl: noOrigin.url });
  expect(ce.status).toBe(400);
  expect(emulator.basic.subscription('refused', 'sub')).toBeUndefined();
});

test("an endpoint URL's query (where a webhook's secret goes) is never shown: the admin API gives its base URL, as the service does", async () => {
  const secret = 's3cret-push-key';
  const ok = await hook();
  expect((await subscribe('masked', 'sub', { endpointUrl: `${ok.url}?code=${secret}` })).status).toBe(201);
  const listing = await (await fetch(`${emulator.url}/admin`)).text();
  expect(listing).not.toContain(secret);
  const topic = (
    JSON.parse(listing) as { topics: { name: string; eventSubscriptions: object[] }[] }
  ).topics.find((t) => t.name === 'masked');
  expect(topic?.eventSubscriptions[0]).toMatchObject({ name: 'sub', endpointBaseUrl: ok.url });
  const refusing = await hook((r) =>
    r.method === 'POST' ? { status: 200, body: JSON.stringify({ validationResponse: 'nope' }) } : undefined,
  );
  const refused = await subscribe('masked', 'refused', { endpointUrl: `${refusing.url}?code=${secret}` });
  expect(refused.status).toBe(400);
  expect(await refused.text()).not.toContain(secret);
});

test('PUT of an unchanged subscription keeps it (and the events it is retrying); a changed one replaces it', async () => {
  const ok = await hook();
  const config = { endpointUrl: `${ok.url}?code=same`, retryPolicy: { maxDeliveryAttempts: 30 } };
  expect((await subscribe('idempotent', 'sub', config)).status).toBe(201);
  const first = emulator.basic.subscription('idempotent', 'sub');
  expect((await subscribe('idempotent', 'sub', config)).status).toBe(200);
  expect(emulator.basic.subscription('idempotent', 'sub')).toBe(first);
  expect(
    (await subscribe('idempotent', 'sub', { ...config, endpointUrl: `${ok.url}?code=other` })).status,
  ).toBe(201);
  expect(emulator.basic.subscription('idempotent', 'sub')).not.toBe(first);
});

test('manual validation: a 200 without a code waits until the validation URL is fetched', async () => {
  let validationUrl = '';
  const webhook = await hook((r) => {
    if (r.headers['aeg-event-type'] !== 'SubscriptionValidation') return undefined;
    validationUrl =
      (JSON.parse(r.body) as { data: { validationUrl: string } }[])[0]?.data.validationUrl ?? '';
    return { status: 200 };
  });
  const res = await subscribe('manual', 'sub', { endpointUrl: webhook.url });
  expect(res.status).toBe(202);
  expect(emulator.basic.subscription('manual', 'sub')).toBeUndefined();
  expect((await fetch(validationUrl)).status).toBe(200);
  await publisher('manual').send([egEvent('m')]);
  await eventually(
    () => (webhook.notifications().length === 1 ? true : undefined),
    5000,
    'delivery after manual validation',
  );
});

test('CloudEvents delivery is retried too and keeps the event as sent', async () => {
  const webhook = await hook(statuses(500, 200));
  await fetch(`${emulator.url}/admin/topics/ce-push`, {
    method: 'PUT',
    body: JSON.stringify({ inputSchema: 'CloudEventSchemaV1_0' }),
  });
  expect((await subscribe('ce-push', 'sub', { endpointUrl: webhook.url })).status).toBe(201);
  const client = new EventGridPublisherClient(
    `${emulator.url}/topics/ce-push/api/events`,
    'CloudEvent',
    new AzureKeyCredential(KEY),
    {
      allowInsecureConnection: true,
    },
  );
  await client.send([
    {
      type: 't',
      source: '/s',
      id: 'ce-1',
      data: { x: 1 },
      extensionAttributes: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    },
  ]);
  const got = await eventually(
    () => (webhook.notifications().length >= 2 ? webhook.notifications() : undefined),
    5000,
    'retry',
  );
  expect(JSON.parse(got[1]?.body ?? '{}')).toEqual(JSON.parse(got[0]?.body ?? '{}'));
  expect(JSON.parse(got[1]?.body ?? '{}')).toMatchObject({
    id: 'ce-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
});

test('subscriptions declared in a config file are validated and deliver', async () => {
  const webhook = await hook();
  const file = path.join(deadLetterDir, 'config.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      topics: [{ name: 'from-file', eventSubscriptions: [{ name: 'filed', endpointUrl: webhook.url }] }],
    }),
  );
  const second = await startEmulator({ ...loadConfigFile(file), port: 0 });
  try {
    expect(webhook.requests[0]?.headers['aeg-event-type']).toBe('SubscriptionValidation');
    const client = new EventGridPublisherClient(
      `${second.url}/topics/from-file/api/events`,
      'EventGrid',
      new AzureKeyCredential(KEY),
      {
        allowInsecureConnection: true,
      },
    );
    await client.send([egEvent('f')]);
    await eventually(() => (webhook.notifications().length === 1 ? true : undefined), 5000, 'delivery');
    expect(defaultReply(webhook.notifications()[0] as Received).status).toBe(200);
  } finally {
    await second.close();
  }
});

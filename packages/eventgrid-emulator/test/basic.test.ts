/**
 * Basic topics through the real @azure/eventgrid EventGridPublisherClient, observed at a real
 * node:http webhook subscribed through the admin API: the three input schemas, auth, limits.
 */
import {
  AzureKeyCredential,
  AzureSASCredential,
  EventGridPublisherClient,
  generateSharedAccessSignature,
} from '@azure/eventgrid';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { eventually, startWebhook, type Webhook } from './helpers.js';

const KEY = 'eventport-dev-key';
let emulator: RunningEmulator;
let webhook: Webhook;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  webhook = await startWebhook();
});
afterAll(async () => {
  await emulator.close();
  await webhook.close();
});

const options = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
const endpoint = (topic: string) => `${emulator.url}/topics/${topic}/api/events`;

async function subscribe(topic: string, name: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${emulator.url}/admin/topics/${topic}/eventSubscriptions/${name}`, {
    method: 'PUT',
    body: JSON.stringify({ endpointUrl: webhook.url, ...body }),
  });
}
async function createTopic(topic: string, inputSchema: string) {
  const res = await fetch(`${emulator.url}/admin/topics/${topic}`, {
    method: 'PUT',
    body: JSON.stringify({ inputSchema }),
  });
  expect(res.status).toBe(201);
}
const delivered = (name: string) =>
  webhook.notifications().filter((r) => r.headers['aeg-subscription-name'] === name.toUpperCase());

test('Event Grid schema: validation handshake, publish, delivery with the service fields added', async () => {
  await createTopic('eg', 'EventGridSchema');
  const res = await subscribe('eg', 'eg-sub');
  expect(res.status).toBe(201);
  const handshake = webhook.requests.find((r) => r.headers['aeg-event-type'] === 'SubscriptionValidation');
  const validation = JSON.parse(handshake?.body ?? '[]') as {
    eventType: string;
    data: { validationCode: string; validationUrl: string };
  }[];
  expect(validation[0]?.eventType).toBe('Microsoft.EventGrid.SubscriptionValidationEvent');
  expect(validation[0]?.data.validationUrl).toContain('/admin/validate');

  const client = new EventGridPublisherClient(
    endpoint('eg'),
    'EventGrid',
    new AzureKeyCredential(KEY),
    options,
  );
  await client.send([
    { eventType: 'order.created', subject: '/orders/1', dataVersion: '1.0', data: { n: 1 } },
    { eventType: 'order.created', subject: '/orders/2', dataVersion: '1.0', data: { n: 2 } },
  ]);
  const got = await eventually(
    () => (delivered('eg-sub').length === 2 ? delivered('eg-sub') : undefined),
    5000,
    'two deliveries',
  );
  const events = got.map((r) => (JSON.parse(r.body) as Record<string, unknown>[])[0] ?? {});
  expect(
    events.map((e) => e.data).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  ).toEqual([{ n: 1 }, { n: 2 }]);
  expect(events[0]?.topic).toMatch(/\/providers\/Microsoft\.EventGrid\/topics\/eg$/);
  expect(events[0]?.metadataVersion).toBe('1');
  expect(got[0]?.headers['content-type']).toBe('application/json');
  expect(got[0]?.headers['aeg-delivery-count']).toBe('0');
});

test('CloudEvents schema: OPTIONS handshake, publish with extension attributes, structured delivery', async () => {
  await createTopic('ce', 'CloudEventSchemaV1_0');
  expect((await subscribe('ce', 'ce-sub')).status).toBe(201);
  const options_ = webhook.requests.find((r) => r.method === 'OPTIONS');
  expect(options_?.headers['webhook-request-origin']).toBe('eventgrid.azure.net');
  const client = new EventGridPublisherClient(
    endpoint('ce'),
    'CloudEvent',
    new AzureKeyCredential(KEY),
    options,
  );
  await client.send([
    {
      type: 'order.created',
      source: '/shop',
      subject: 'orders/1',
      data: { n: 1 },
      extensionAttributes: { tenant: 'acme' },
    },
  ]);
  const [request] = await eventually(
    () => (delivered('ce-sub').length === 1 ? delivered('ce-sub') : undefined),
    5000,
    'delivery',
  );
  expect(request?.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
  const event = JSON.parse(request?.body ?? '{}') as Record<string, unknown>;
  expect(event).toMatchObject({
    specversion: '1.0',
    type: 'order.created',
    source: '/shop',
    subject: 'orders/1',
    data: { n: 1 },
    tenant: 'acme',
  });
});

test('custom schema: events are delivered as sent', async () => {
  await createTopic('custom', 'CustomEventSchema');
  expect((await subscribe('custom', 'custom-sub')).status).toBe(201);
  const client = new EventGridPublisherClient(
    endpoint('custom'),
    'Custom',
    new AzureKeyCredential(KEY),
    options,
  );
  await client.send([{ kind: 'thing', payload: [1, 2, 3] }]);
  const [request] = await eventually(
    () => (delivered('custom-sub').length === 1 ? delivered('custom-sub') : undefined),
    5000,
    'delivery',
  );
  expect(JSON.parse(request?.body ?? '[]')).toEqual([{ kind: 'thing', payload: [1, 2, 3] }]);
});

test('a topic created on first use takes the schema of its first request; a mismatching schema is a 400', async () => {
  const key = new AzureKeyCredential(KEY);
  await new EventGridPublisherClient(endpoint('auto-ce'), 'CloudEvent', key, options).send([
    { type: 't', source: '/s', data: { v: 1 } },
  ]);
  const wrong = new EventGridPublisherClient(endpoint('auto-ce'), 'EventGrid', key, options);
  await expect(
    wrong.send([{ eventType: 't', subject: 's', dataVersion: '1', data: { v: 1 } }]),
  ).rejects.toMatchObject({ statusCode: 400 });
  const admin = (await (await fetch(`${emulator.url}/admin`)).json()) as {
    topics: { name: string; inputSchema: string }[];
  };
  expect(admin.topics.find((t) => t.name === 'auto-ce')?.inputSchema).toBe('CloudEventSchemaV1_0');
});

test('the default topic lives at /api/events', async () => {
  const client = new EventGridPublisherClient(
    `${emulator.url}/api/events`,
    'EventGrid',
    new AzureKeyCredential(KEY),
    options,
  );
  await client.send([{ eventType: 't', subject: 's', dataVersion: '1', data: { v: 1 } }]);
  const admin = (await (await fetch(`${emulator.url}/admin`)).json()) as { topics: { name: string }[] };
  expect(admin.topics.map((t) => t.name)).toContain('default');
});

test('aeg-sas-key must match: a wrong key is a 401 with the service error body', async () => {
  const client = new EventGridPublisherClient(
    endpoint('eg'),
    'EventGrid',
    new AzureKeyCredential('wrong'),
    options,
  );
  await expect(
    client.send([{ eventType: 't', subject: 's', dataVersion: '1', data: { v: 1 } }]),
  ).rejects.toMatchObject({ statusCode: 401 });
  const res = await fetch(`${endpoint('eg')}?api-version=2018-01-01`, {
    method: 'POST',
    headers: { 'aeg-sas-key': 'wrong' },
    body: '[]',
  });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: { code: string; message: string; trackingId: string } };
  expect(body.error.code).toBe('Unauthorized');
  expect(body.error.message).toContain('The request authorization key is not authorized for');
  expect(body.error.trackingId).toMatch(/^[0-9a-f-]{36}$/);
  const none = await fetch(`${endpoint('eg')}?api-version=2018-01-01`, { method: 'POST', body: '[]' });
  expect(none.status).toBe(401);
});

test('aeg-sas-token: a token signed with the key is accepted, an expired one is not', async () => {
  const url = endpoint('sas');
  const good = await generateSharedAccessSignature(
    url,
    new AzureKeyCredential(KEY),
    new Date(Date.now() + 60_000),
  );
  const ok = new EventGridPublisherClient(url, 'EventGrid', new AzureSASCredential(good), options);
  await ok.send([{ eventType: 't', subject: 's', dataVersion: '1', data: { v: 1 } }]);
  const old = await generateSharedAccessSignature(
    url,
    new AzureKeyCredential(KEY),
    new Date(Date.now() - 1000),
  );
  const expired = new EventGridPublisherClient(url, 'EventGrid', new AzureSASCredential(old), options);
  await expect(
    expired.send([{ eventType: 't', subject: 's', dataVersion: '1', data: { v: 1 } }]),
  ).rejects.toMatchObject({ statusCode: 401 });
});

test('limits: a request over 1 MB is a 413, more than 5,000 events a 400', async () => {
  const client = new EventGridPublisherClient(
    endpoint('limits'),
    'EventGrid',
    new AzureKeyCredential(KEY),
    options,
  );
  const big = { eventType: 't', subject: 's', dataVersion: '1', data: { s: 'x'.repeat(1024 * 1024) } };
  await expect(client.send([big])).rejects.toMatchObject({ statusCode: 413 });
  const res = await fetch(`${endpoint('limits')}?api-version=2018-01-01`, {
    method: 'POST',
    headers: { 'aeg-sas-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify([big]),
  });
  expect(res.status).toBe(413);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RequestEntityTooLarge');
  const many = Array.from({ length: 5001 }, () => ({
    eventType: 't',
    subject: 's',
    dataVersion: '1',
    data: { v: 1 },
  }));
  await expect(client.send(many)).rejects.toMatchObject({ statusCode: 400 });
  await client.send(many.slice(0, 5000));
});

test('an Event Grid event missing a required field is a 400 naming it', async () => {
  await createTopic('strict', 'EventGridSchema');
  const res = await fetch(`${endpoint('strict')}?api-version=2018-01-01`, {
    method: 'POST',
    headers: { 'aeg-sas-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify([{ id: '1', subject: 's', eventTime: new Date().toISOString(), dataVersion: '1' }]),
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as {
    error: { code: string; details: { code: string; message: string }[] };
  };
  expect(body.error.code).toBe('BadRequest');
  expect(body.error.details[0]).toMatchObject({ code: 'InputJsonInvalid' });
  expect(body.error.details[0]?.message).toContain("'eventType'");
});

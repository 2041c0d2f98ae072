/**
 * Namespace topics (pull) through the real @azure/eventgrid-namespaces clients, plus plain fetch
 * where the client hides what the wire carries (extension attributes, error bodies, SAS tokens).
 * timeScale 0.02: a 60 s lock lasts 1.2 s, a 10 s release delay or receive wait 200 ms.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AzureKeyCredential,
  EventGridReceiverClient,
  EventGridSenderClient,
} from '@azure/eventgrid-namespaces';
import { generateSharedAccessSignature } from '@azure/eventgrid';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { bounded } from './helpers.js';

const KEY = 'eventport-dev-key';
const SCALE = 0.02;
let emulator: RunningEmulator;
let topicSeq = 0;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timeScale: SCALE });
});
afterAll(async () => {
  await emulator.close();
});

const options = { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } };
function clients(topic: string, subscription = 'sub') {
  const credential = new AzureKeyCredential(KEY);
  return {
    sender: new EventGridSenderClient(emulator.url, credential, topic, options),
    receiver: new EventGridReceiverClient(emulator.url, credential, topic, subscription, options),
  };
}
const freshTopic = () => `ns-topic-${++topicSeq}`;
const event = (n: number) => ({ type: 'order.created', source: '/shop', id: `e-${n}`, data: { n } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function admin(path: string, body: unknown) {
  const res = await fetch(`${emulator.url}/admin${path}`, { method: 'PUT', body: JSON.stringify(body) });
  expect(res.status).toBeLessThan(300);
}
async function deadLetters(topic: string, sub: string) {
  const res = await fetch(`${emulator.url}/admin/deadletters/${topic}/${sub}`);
  return (
    (await res.json()) as { value: { event: { id: string }; brokerProperties: Record<string, unknown> }[] }
  ).value;
}

test('publish one and a batch, receive with lock tokens, acknowledge per token', async () => {
  const { sender, receiver } = clients(freshTopic());
  await sender.sendEvents(event(1));
  await sender.sendEvents([event(2), event(3)]);
  const { details } = await bounded(
    receiver.receiveEvents({ maxEvents: 10, maxWaitTime: 10 }),
    5000,
    'receive',
  );
  expect(details.map((d) => d.event.id)).toEqual(['e-1', 'e-2', 'e-3']);
  expect(details.map((d) => d.brokerProperties.deliveryCount)).toEqual([1, 1, 1]);
  expect(details[1]?.event.data).toEqual({ n: 2 });
  expect(details[0]?.event.source).toBe('/shop');
  const tokens = details.map((d) => d.brokerProperties.lockToken);
  expect(new Set(tokens).size).toBe(3);
  const ack = await receiver.acknowledgeEvents([tokens[0] as string, tokens[1] as string]);
  expect(ack.succeededLockTokens).toEqual(tokens.slice(0, 2));
  expect(ack.failedLockTokens).toEqual([]);
  const again = await receiver.acknowledgeEvents([tokens[0] as string, 'not-a-token', tokens[2] as string]);
  expect(again.succeededLockTokens).toEqual([tokens[2]]);
  expect(again.failedLockTokens.map((f) => [f.lockToken, f.error.code])).toEqual([
    [tokens[0], 'TokenLost'],
    ['not-a-token', 'BadToken'],
  ]);
  const empty = await bounded(
    receiver.receiveEvents({ maxEvents: 5, maxWaitTime: 10 }),
    5000,
    'empty receive',
  );
  expect(empty.details).toEqual([]);
});

test('extension attributes travel on the wire in both directions', async () => {
  const topic = freshTopic();
  const headers = {
    Authorization: `SharedAccessKey ${KEY}`,
    'content-type': 'application/cloudevents-batch+json; charset=utf-8',
  };
  const sent = [
    {
      specversion: '1.0',
      id: 'x1',
      source: '/s',
      type: 't',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tenant: 'acme',
      data: { a: 1 },
    },
  ];
  const publish = await fetch(`${emulator.url}/topics/${topic}:publish?api-version=2024-06-01`, {
    method: 'POST',
    headers,
    body: JSON.stringify(sent),
  });
  expect(publish.status).toBe(200);
  expect(await publish.json()).toEqual({});
  const res = await fetch(
    `${emulator.url}/topics/${topic}/eventsubscriptions/raw:receive?api-version=2024-06-01&maxEvents=1&maxWaitTime=10`,
    {
      method: 'POST',
      headers: { Authorization: `SharedAccessKey ${KEY}` },
    },
  );
  const body = (await res.json()) as {
    value: {
      event: Record<string, unknown>;
      brokerProperties: { lockToken: string; deliveryCount: number };
    }[];
  };
  expect(body.value[0]?.event).toEqual(sent[0]);
  expect(body.value[0]?.brokerProperties.deliveryCount).toBe(1);
});

test('a wrong key is refused with 401 and the service error body', async () => {
  const topic = freshTopic();
  const bad = new EventGridSenderClient(emulator.url, new AzureKeyCredential('wrong'), topic, options);
  await expect(bad.sendEvents(event(1))).rejects.toMatchObject({ statusCode: 401 });
  const res = await fetch(`${emulator.url}/topics/${topic}:publish?api-version=2024-06-01`, {
    method: 'POST',
    headers: { Authorization: 'SharedAccessKey wrong', 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 't' }),
  });
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('Unauthorized');
  expect(body.error.message).toContain('The specified key does not match the expected key');
  const receiver = new EventGridReceiverClient(
    emulator.url,
    new AzureKeyCredential('wrong'),
    topic,
    's',
    options,
  );
  await expect(receiver.receiveEvents({ maxWaitTime: 10 })).rejects.toMatchObject({ statusCode: 401 });
});

test('SAS tokens signed with the key are accepted; tampered or expired ones are not', async () => {
  const topic = freshTopic();
  const url = `${emulator.url}/topics/${topic}:publish?api-version=2024-06-01`;
  const post = (authorization: string) =>
    fetch(url, {
      method: 'POST',
      headers: { Authorization: authorization, 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: '1', source: '/s', type: 't' }),
    });
  const credential = new AzureKeyCredential(KEY);
  const token = await generateSharedAccessSignature(url, credential, new Date(Date.now() + 60_000));
  expect((await post(`SharedAccessSignature ${token}`)).status).toBe(200);
  const tampered = token.replace(/s=[^&]+$/, 's=AAAA');
  expect((await post(`SharedAccessSignature ${tampered}`)).status).toBe(401);
  const expired = await generateSharedAccessSignature(url, credential, new Date(Date.now() - 60_000));
  const answer = await post(`SharedAccessSignature ${expired}`);
  expect(answer.status).toBe(401);
  expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('expired');
  const otherKey = await generateSharedAccessSignature(
    url,
    new AzureKeyCredential('b3RoZXIta2V5'),
    new Date(Date.now() + 60_000),
  );
  expect((await post(`SharedAccessSignature ${otherKey}`)).status).toBe(401);
});

test('receive long-polls: it waits for an event and answers as soon as one arrives', async () => {
  const { sender, receiver } = clients(freshTopic());
  const started = Date.now();
  const waiting = receiver.receiveEvents({ maxEvents: 5, maxWaitTime: 10 });
  await sleep(50);
  await sender.sendEvents(event(7));
  const { details } = await bounded(waiting, 5000, 'long poll');
  expect(details.map((d) => d.event.id)).toEqual(['e-7']);
  expect(Date.now() - started).toBeLessThan(10_000 * SCALE);
  const t0 = Date.now();
  const none = await bounded(receiver.receiveEvents({ maxWaitTime: 10 }), 5000, 'empty long poll');
  expect(none.details).toEqual([]);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(10_000 * SCALE - 20);
});

test('a receive abandoned by its client does not swallow the next event', async () => {
  const { sender, receiver } = clients(freshTopic());
  const abandoned = new AbortController();
  const gone = receiver
    .receiveEvents({ maxWaitTime: 10, abortSignal: abandoned.signal })
    .catch((e: Error) => e);
  await sleep(30);
  abandoned.abort();
  expect(await gone).toBeInstanceOf(Error);
  await sleep(30); // the emulator sees the connection close
  await sender.sendEvents(event(3));
  const { details } = await bounded(receiver.receiveEvents({ maxWaitTime: 10 }), 5000, 'receive');
  expect(details.map((d) => [d.event.id, d.brokerProperties.deliveryCount])).toEqual([['e-3', 1]]);
});

test('out-of-range receive parameters and release delays are refused with 400', async () => {
  const { sender, receiver } = clients(freshTopic());
  await expect(receiver.receiveEvents({ maxEvents: 101, maxWaitTime: 10 })).rejects.toMatchObject({
    statusCode: 400,
  });
  await expect(receiver.receiveEvents({ maxEvents: 1, maxWaitTime: 5 })).rejects.toMatchObject({
    statusCode: 400,
  });
  await sender.sendEvents(event(1));
  const { details } = await receiver.receiveEvents({ maxWaitTime: 10 });
  const token = details[0]?.brokerProperties.lockToken as string;
  await expect(receiver.releaseEvents([token], { releaseDelay: 5 as never })).rejects.toMatchObject({
    statusCode: 400,
  });
  expect((await receiver.acknowledgeEvents([token])).succeededLockTokens).toEqual([token]);
});

test('release with a delay hides the event for that long, then redelivers it with deliveryCount 2', async () => {
  const { sender, receiver } = clients(freshTopic());
  await sender.sendEvents(event(1));
  const first = await receiver.receiveEvents({ maxWaitTime: 10 });
  const token = first.details[0]?.brokerProperties.lockToken as string;
  const released = await receiver.releaseEvents([token], { releaseDelay: '10' });
  expect(released.succeededLockTokens).toEqual([token]);
  const releasedAt = Date.now();
  const again = await bounded(
    (async () => {
      for (;;) {
        const r = await receiver.receiveEvents({ maxWaitTime: 10 });
        if (r.details.length > 0) return r.details;
      }
    })(),
    5000,
    'redelivery after the release delay',
  );
  expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(10_000 * SCALE - 20);
  expect(again[0]?.event.id).toBe('e-1');
  expect(again[0]?.brokerProperties.deliveryCount).toBe(2);
  expect(again[0]?.brokerProperties.lockToken).not.toBe(token);
});

test('reject dead-letters the event with the reason', async () => {
  const topic = freshTopic();
  const { sender, receiver } = clients(topic, 'rej');
  await sender.sendEvents(event(9));
  const { details } = await receiver.receiveEvents({ maxWaitTime: 10 });
  const token = details[0]?.brokerProperties.lockToken as string;
  expect((await receiver.rejectEvents([token])).succeededLockTokens).toEqual([token]);
  const dead = await deadLetters(topic, 'rej');
  expect(dead).toHaveLength(1);
  expect(dead[0]?.event.id).toBe('e-9');
  expect(dead[0]?.brokerProperties).toMatchObject({ deadletterreason: 'Rejected', deliveryattemptcount: 1 });
  expect((await receiver.receiveEvents({ maxWaitTime: 10 })).details).toEqual([]);
});

test('an expired lock returns the event for redelivery; the old token is lost', async () => {
  const { sender, receiver } = clients(freshTopic());
  await sender.sendEvents(event(1));
  const first = await receiver.receiveEvents({ maxWaitTime: 10 });
  const token = first.details[0]?.brokerProperties.lockToken as string;
  await sleep(60_000 * SCALE + 100);
  const second = await bounded(receiver.receiveEvents({ maxWaitTime: 10 }), 5000, 'redelivery');
  expect(second.details[0]?.event.id).toBe('e-1');
  expect(second.details[0]?.brokerProperties.deliveryCount).toBe(2);
  const late = await receiver.acknowledgeEvents([token]);
  expect(late.failedLockTokens[0]?.error.code).toBe('TokenLost');
  const ack = await receiver.acknowledgeEvents([second.details[0]?.brokerProperties.lockToken as string]);
  expect(ack.succeededLockTokens).toHaveLength(1);
});

test('renewLock keeps the event locked past its first expiry', async () => {
  const { sender, receiver } = clients(freshTopic());
  await sender.sendEvents(event(1));
  const first = await receiver.receiveEvents({ maxWaitTime: 10 });
  const token = first.details[0]?.brokerProperties.lockToken as string;
  await sleep(60_000 * SCALE * 0.7);
  const renewed = await receiver.renewEventLocks([token, 'bad']);
  expect(renewed.succeededLockTokens).toEqual([token]);
  expect(renewed.failedLockTokens[0]?.error.code).toBe('BadToken');
  await sleep(60_000 * SCALE * 0.5); // past the first expiry, before the renewed one
  expect((await receiver.receiveEvents({ maxWaitTime: 10 })).details).toEqual([]);
  expect((await receiver.acknowledgeEvents([token])).succeededLockTokens).toEqual([token]);
});

test('after maxDeliveryCount deliveries the event is dead-lettered', async () => {
  const topic = freshTopic();
  await admin(`/namespaces/topics/${topic}`, {});
  await admin(`/namespaces/topics/${topic}/eventSubscriptions/limited`, {
    maxDeliveryCount: 2,
    lockDurationInSeconds: 60,
  });
  const { sender, receiver } = clients(topic, 'limited');
  await sender.sendEvents(event(5));
  for (const expected of [1, 2]) {
    const { details } = await receiver.receiveEvents({ maxWaitTime: 10 });
    expect(details[0]?.brokerProperties.deliveryCount).toBe(expected);
    await receiver.releaseEvents([details[0]?.brokerProperties.lockToken as string]);
  }
  expect((await receiver.receiveEvents({ maxWaitTime: 10 })).details).toEqual([]);
  const dead = await deadLetters(topic, 'limited');
  expect(
    dead.map((d) => [
      d.event.id,
      d.brokerProperties.deadletterreason,
      d.brokerProperties.deliveryattemptcount,
    ]),
  ).toEqual([['e-5', 'MaxDeliveryCountExceeded', 2]]);
});

test('subscription settings outside the service ranges are refused', async () => {
  const res = await fetch(`${emulator.url}/admin/namespaces/topics/t-range/eventSubscriptions/s`, {
    method: 'PUT',
    body: JSON.stringify({ lockDurationInSeconds: 30 }),
  });
  expect(res.status).toBe(400);
});

test('two receivers on one subscription compete: every event once, none twice', async () => {
  const topic = freshTopic();
  await admin(`/namespaces/topics/${topic}`, {});
  await admin(`/namespaces/topics/${topic}/eventSubscriptions/work`, {});
  const { sender } = clients(topic, 'work');
  await sender.sendEvents(Array.from({ length: 60 }, (_, i) => event(i)));
  const seen: string[][] = [[], []];
  const drain = async (who: number) => {
    const { receiver } = clients(topic, 'work');
    for (;;) {
      const { details } = await receiver.receiveEvents({ maxEvents: 7, maxWaitTime: 10 });
      if (details.length === 0) return;
      seen[who]?.push(...details.map((d) => d.event.id));
      await receiver.acknowledgeEvents(details.map((d) => d.brokerProperties.lockToken));
    }
  };
  await bounded(Promise.all([drain(0), drain(1)]), 10_000, 'competing receivers');
  const all = [...(seen[0] ?? []), ...(seen[1] ?? [])];
  expect(all).toHaveLength(60);
  expect(new Set(all).size).toBe(60);
  expect(seen[0]?.length).toBeGreaterThan(0);
  expect(seen[1]?.length).toBeGreaterThan(0);
});

test('two subscriptions of one topic each get every event (fan-out)', async () => {
  const topic = freshTopic();
  await admin(`/namespaces/topics/${topic}/eventSubscriptions/billing`, {});
  await admin(`/namespaces/topics/${topic}/eventSubscriptions/shipping`, {});
  const { sender, receiver: billing } = clients(topic, 'billing');
  const { receiver: shipping } = clients(topic, 'shipping');
  await sender.sendEvents([event(1), event(2)]);
  for (const receiver of [billing, shipping]) {
    const { details } = await receiver.receiveEvents({ maxEvents: 10, maxWaitTime: 10 });
    expect(details.map((d) => d.event.id)).toEqual(['e-1', 'e-2']);
  }
});

test('an event over 1 MB is refused with 413', async () => {
  const { sender } = clients(freshTopic());
  await expect(sender.sendEvents({ ...event(1), data: 'x'.repeat(1024 * 1024) })).rejects.toMatchObject({
    statusCode: 413,
  });
});

test('a malformed CloudEvent is refused with 400 naming the attribute', async () => {
  const res = await fetch(`${emulator.url}/topics/${freshTopic()}:publish?api-version=2024-06-01`, {
    method: 'POST',
    headers: {
      Authorization: `SharedAccessKey ${KEY}`,
      'content-type': 'application/cloudevents-batch+json',
    },
    body: JSON.stringify([{ specversion: '1.0', id: '1', type: 't' }]),
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain("'source'");
});

test('events older than the topic retention are dead-lettered (TimeToLiveExceeded) to the directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eg-ns-dead-'));
  // 1 day of retention lasts ~0.9 s at this scale
  const fast = await startEmulator({ port: 0, timeScale: 0.00001, deadLetterDir: dir });
  try {
    await fetch(`${fast.url}/admin/namespaces/topics/old/eventSubscriptions/sub`, {
      method: 'PUT',
      body: '{}',
    });
    const credential = new AzureKeyCredential(KEY);
    await new EventGridSenderClient(fast.url, credential, 'old', { ...options }).sendEvents(event(1));
    const receiver = new EventGridReceiverClient(fast.url, credential, 'old', 'sub', { ...options });
    await sleep(1200);
    expect((await receiver.receiveEvents({ maxWaitTime: 10 })).details).toEqual([]);
    const files = (fs.readdirSync(path.join(dir, 'old', 'SUB'), { recursive: true }) as string[]).filter(
      (f) => f.endsWith('.json'),
    );
    expect(files).toHaveLength(1);
    const [record] = JSON.parse(
      fs.readFileSync(path.join(dir, 'old', 'SUB', files[0] as string), 'utf8'),
    ) as {
      event: { id: string };
      brokerProperties: { deadletterreason: string };
    }[];
    expect(record?.event.id).toBe('e-1');
    expect(record?.brokerProperties.deadletterreason).toBe('TimeToLiveExceeded');
  } finally {
    await fast.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

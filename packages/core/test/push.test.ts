/**
 * Core's push receiving model: PushReceiver under the real consumer engine (a fake driver hands
 * it out), PushEndpoint over a real node:http listener on loopback, with a small fake codec
 * (one JSON event per request, `x-attempt` as the service's delivery count).
 */
import { Broker } from '../src/api/broker.js';
import type { Subscription } from '../src/api/subscription.js';
import { createEvent } from '../src/event/create-event.js';
import type { Event } from '../src/event/types.js';
import { PushEndpoint } from '../src/push/push-endpoint.js';
import { startPushListener, type PushListener } from '../src/push/push-listener.js';
import { PushReceiver } from '../src/push/push-receiver.js';
import { sharedSecretAuthenticator } from '../src/push/shared-secret.js';
import { PushRequestError, verdictOf, type PushCodec } from '../src/push/types.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import { FakeDriver, RecordingLogger, fakeCapabilities, waitFor } from './helpers/fakes.js';

const codec: PushCodec = {
  handshake: (req) => (req.method === 'OPTIONS' ? { status: 200, headers: { 'x-hello': 'yes' } } : undefined),
  decode: (req) => {
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new PushRequestError(400, 'not JSON');
    }
    const items = Array.isArray(body) ? body : [body];
    return items.map((item: { id: string }) => ({
      event: createEvent({ id: item.id, source: '/push-test', type: 'test', data: item }),
      deliveryCount: Number(req.headers['x-attempt'] ?? '1'),
    }));
  },
  answer: (verdict, outcomes) => ({
    status: verdict === 'ack' ? 200 : verdict === 'retry' ? 503 : 400,
    body: JSON.stringify(outcomes),
  }),
};

const caps = fakeCapabilities({
  push: { level: 'native', detail: 'fake push' },
  nack: { level: 'native', detail: 'answer 503' },
  'dead-letter': { level: 'native', detail: 'answer 400' },
});

interface Setup {
  broker: Broker;
  listener: PushListener;
  endpoint: PushEndpoint;
  logger: RecordingLogger;
}

let setups: Setup[] = [];
let subs: Subscription[] = [];

async function setup(secret?: string): Promise<Setup> {
  const logger = new RecordingLogger();
  const endpoint = new PushEndpoint({ codec, logger, maxBodyBytes: 1024 });
  const driver = new FakeDriver({
    capabilities: caps,
    receiver: (topic) => {
      const receiver = new PushReceiver(4);
      const unroute = endpoint.route(
        `/${topic}`,
        receiver,
        secret === undefined ? undefined : sharedSecretAuthenticator('s', secret),
      );
      const close = receiver.close.bind(receiver);
      receiver.close = () => {
        unroute();
        return close();
      };
      return receiver;
    },
  });
  const broker = new Broker(driver, NOOP_TRACING, { logger });
  const listener = await startPushListener(endpoint.handle, '127.0.0.1', 0);
  const s = { broker, listener, endpoint, logger };
  setups.push(s);
  return s;
}

async function subscribe(
  s: Setup,
  handler: (e: Event, ctx: import('../src/api/delivery.js').Delivery) => unknown,
) {
  const sub = await s.broker
    .consumer('orders', { group: 'g', retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, jitter: 0 } })
    .subscribe(handler);
  subs.push(sub);
  return sub;
}

function push(s: Setup, body: string, headers: Record<string, string> = {}, path = '/orders') {
  return fetch(`${s.listener.url}${path}`, { method: 'POST', headers, body });
}

afterEach(async () => {
  await Promise.allSettled(subs.map((x) => x.close({ drainTimeoutMs: 0 })));
  for (const s of setups) {
    await s.broker.close();
    await s.listener.close();
  }
  subs = [];
  setups = [];
});

describe('verdictOf', () => {
  it('retry beats dead-letter beats ack', () => {
    expect(verdictOf([{ kind: 'ack' }, { kind: 'ack' }])).toBe('ack');
    expect(verdictOf([{ kind: 'ack' }, { kind: 'dead-letter', reason: 'x' }])).toBe('dead-letter');
    expect(
      verdictOf([
        { kind: 'dead-letter', reason: 'x' },
        { kind: 'nack', delayMs: 0 },
      ]),
    ).toBe('retry');
  });
});

describe('push through the consumer engine', () => {
  it('a push is answered 200 only after the handler succeeded', async () => {
    const s = await setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: string[] = [];
    await subscribe(s, async (e) => {
      seen.push(e.id);
      await gate;
    });
    let answered = false;
    const res = push(s, JSON.stringify({ id: 'a1' })).then((r) => {
      answered = true;
      return r;
    });
    await waitFor(() => seen.length === 1, 'the handler');
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    expect((await res).status).toBe(200);
  });

  it('a failure within the budget is answered 503 (retry); the attempt is the service count; the last is 400', async () => {
    const s = await setup();
    const attempts: number[] = [];
    await subscribe(s, (_e, ctx) => {
      attempts.push(ctx.attempt);
      throw new Error('boom');
    });
    const body = JSON.stringify({ id: 'f1' });
    expect((await push(s, body, { 'x-attempt': '1' })).status).toBe(503);
    expect((await push(s, body, { 'x-attempt': '2' })).status).toBe(503);
    const last = await push(s, body, { 'x-attempt': '3' });
    expect(last.status).toBe(400);
    expect(await last.text()).toContain('handler failed after 3 attempts');
    expect(attempts).toEqual([1, 2, 3]);
    expect(s.logger.entries.some((l) => l.message.includes('dead-lettered pushed events'))).toBe(true);
  });

  it('ctx.nack answers 503, ctx.deadLetter answers 400 with the reason', async () => {
    const s = await setup();
    await subscribe(s, async (e, ctx) => {
      if (e.id === 'n1') await ctx.nack();
      else await ctx.deadLetter('no customer');
    });
    expect((await push(s, JSON.stringify({ id: 'n1' }))).status).toBe(503);
    const dl = await push(s, JSON.stringify({ id: 'd1' }));
    expect(dl.status).toBe(400);
    expect(await dl.text()).toContain('no customer');
  });

  it('a batch is answered as a whole: one nack among acks makes it 503', async () => {
    const s = await setup();
    await subscribe(s, async (e, ctx) => {
      if (e.id === 'b2') await ctx.nack();
    });
    const res = await push(s, JSON.stringify([{ id: 'b1' }, { id: 'b2' }, { id: 'b3' }]));
    expect(res.status).toBe(503);
    expect(JSON.parse(await res.text())).toEqual([
      { kind: 'ack' },
      { kind: 'nack', delayMs: expect.any(Number) },
      { kind: 'ack' },
    ]);
  });

  it('closing the subscription answers waiting pushes 503; afterwards the path is 404', async () => {
    const s = await setup();
    const sub = await subscribe(s, () => new Promise(() => undefined)); // never finishes
    const pending = push(s, JSON.stringify({ id: 'c1' }));
    await new Promise((r) => setTimeout(r, 50));
    await sub.close({ drainTimeoutMs: 0 });
    expect((await pending).status).toBe(503);
    expect((await push(s, JSON.stringify({ id: 'c2' }))).status).toBe(404);
  });

  it('more events than the receiver queues are answered 503 at once (backpressure)', async () => {
    const s = await setup();
    await subscribe(s, () => undefined);
    const many = JSON.stringify(Array.from({ length: 5 }, (_, i) => ({ id: `q${i}` })));
    expect((await push(s, many)).status).toBe(503);
  });
});

describe('the push endpoint itself', () => {
  it('401 without the shared secret (handshakes too), 200 with it', async () => {
    const s = await setup('sesame');
    await subscribe(s, () => undefined);
    expect((await push(s, JSON.stringify({ id: 'x' }))).status).toBe(401);
    expect((await push(s, JSON.stringify({ id: 'x' }), {}, '/orders?s=wrong')).status).toBe(401);
    const options = await fetch(`${s.listener.url}/orders`, { method: 'OPTIONS' });
    expect(options.status).toBe(401);
    expect((await push(s, JSON.stringify({ id: 'x' }), {}, '/orders?s=sesame')).status).toBe(200);
  });

  it('answers handshakes through the codec, refuses other methods, large and unreadable bodies', async () => {
    const s = await setup();
    await subscribe(s, () => undefined);
    const hello = await fetch(`${s.listener.url}/orders`, { method: 'OPTIONS' });
    expect(hello.status).toBe(200);
    expect(hello.headers.get('x-hello')).toBe('yes');
    expect((await fetch(`${s.listener.url}/orders`)).status).toBe(405);
    expect((await push(s, 'x'.repeat(2000))).status).toBe(413);
    expect((await push(s, 'not json')).status).toBe(400);
    expect((await push(s, JSON.stringify({ id: 'x' }), {}, '/elsewhere')).status).toBe(404);
  });

  it("takes a body a framework already parsed (req.body as an object) and Express's originalUrl", async () => {
    const s = await setup();
    await subscribe(s, () => undefined);
    const answers: number[] = [];
    const req = Object.assign(
      (await import('node:stream')).Readable.from([]) as unknown as import('node:http').IncomingMessage,
      // as Express gives it below app.use('/hooks', …): url relative, originalUrl the full path
      { method: 'POST', url: '/', originalUrl: '/orders', headers: {}, body: { id: 'parsed' } },
    );
    await new Promise<void>((resolve) => req.on('end', resolve).resume());
    const res = {
      headersSent: false,
      writableEnded: false,
      writeHead(status: number) {
        answers.push(status);
        return this;
      },
      end() {
        this.writableEnded = true;
      },
    } as unknown as import('node:http').ServerResponse;
    s.endpoint.handle(req, res);
    await waitFor(() => answers.length === 1, 'the answer');
    expect(answers).toEqual([200]);
  });

  it('competing receivers on one path take turns', async () => {
    const s = await setup();
    const a: string[] = [];
    const b: string[] = [];
    await subscribe(s, (e) => void a.push(e.id));
    await subscribe(s, (e) => void b.push(e.id));
    for (let i = 0; i < 6; i++) expect((await push(s, JSON.stringify({ id: `r${i}` }))).status).toBe(200);
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
  });
});

describe('PushReceiver', () => {
  it('the first settle wins; close answers the unsettled "retry"', async () => {
    const r = new PushReceiver();
    const outcomes = r.offer([
      { event: createEvent({ source: '/s', type: 't' }), deliveryCount: 1 },
      { event: createEvent({ source: '/s', type: 't' }), deliveryCount: 0 },
    ]);
    const batch = await r.receive(10, new AbortController().signal);
    expect(batch.map((m) => m.deliveryCount)).toEqual([1, 1]);
    await r.ack([batch[0]!]);
    await r.nack(batch[0]!, 5);
    await r.close();
    expect(await outcomes).toEqual([{ kind: 'ack' }, { kind: 'nack', delayMs: 0 }]);
    expect(await r.receive(10, new AbortController().signal)).toEqual([]);
  });

  it('receive returns empty when its signal aborts', async () => {
    const r = new PushReceiver();
    const abort = new AbortController();
    const got = r.receive(10, abort.signal);
    abort.abort();
    expect(await got).toEqual([]);
  });
});

import { Broker } from '../src/api/broker.js';
import type { ProducerOptions } from '../src/api/options.js';
import type { OutgoingEvent, SendOutcome } from '../src/driver/types.js';
import {
  BrokerUnavailableError,
  ClosedError,
  ConfigError,
  EventPortError,
  EventTooLargeError,
  InvalidEventError,
  TopicNotFoundError,
} from '../src/errors/errors.js';
import { createEvent } from '../src/event/create-event.js';
import { eventSize } from '../src/codec/data.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import { FakeDriver, RecordingLogger, deferred, fakeCapabilities } from './helpers/fakes.js';

const ev = (n: number, extra: Record<string, unknown> = {}) => ({
  type: 'order.created',
  source: '/shop',
  data: { n },
  ...extra,
});
const retryable = (msg = 'broker busy') => new BrokerUnavailableError(msg);
const ok = (batch: readonly OutgoingEvent[]): SendOutcome[] => batch.map(() => ({ ok: true, receipt: {} }));

function setup(options: ProducerOptions = {}, driver = new FakeDriver()) {
  const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
  const producer = broker.producer('orders', options);
  return { broker, producer, driver, sender: driver.sender('orders') };
}

async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

describe('producer: validation before anything reaches the driver', () => {
  it('rejects bad events with InvalidEventError and sends nothing', async () => {
    const { producer, sender } = setup();
    await expect(producer.send({ source: '/s' } as never)).rejects.toMatchObject({ field: 'type' });
    await expect(producer.send({ type: 't', source: '/s', data: { n: 1n } })).rejects.toBeInstanceOf(
      InvalidEventError,
    );
    // one bad event in an array rejects the whole call
    await expect(producer.send([ev(1), { type: '', source: '/s' }])).rejects.toMatchObject({ field: 'type' });
    await producer.flush();
    expect(sender.batches).toHaveLength(0);
  });

  it('rejects oversize events with EventTooLargeError against the declared max size', async () => {
    const driver = new FakeDriver({
      capabilities: fakeCapabilities({
        'max-event-size': { level: 'native', detail: '1000 bytes', limit: 1000 },
      }),
    });
    const { producer, sender } = setup({}, driver);
    const err = (await settle(producer.send(ev(1, { id: 'big', data: 'x'.repeat(1000) }))))
      .error as EventTooLargeError;
    expect(err).toBeInstanceOf(EventTooLargeError);
    expect(err.maxSize).toBe(1000);
    expect(err.size).toBeGreaterThan(1000);
    expect(err.eventId).toBe('big');
    await expect(producer.send([ev(1), ev(2, { data: 'y'.repeat(2000) })])).rejects.toBeInstanceOf(
      EventTooLargeError,
    );
    await producer.flush();
    expect(sender.batches).toHaveLength(0);
    await expect(producer.send(ev(3, { data: 'small' }))).resolves.toMatchObject({ topic: 'orders' });
    expect(sender.sent).toHaveLength(1);
  });

  it('checks delayMs against the delayed-delivery capability', async () => {
    const none = new FakeDriver({
      capabilities: fakeCapabilities({ 'delayed-delivery': { level: 'unsupported', detail: 'no timers' } }),
    });
    await expect(setup({}, none).producer.send(ev(1), { delayMs: 10 })).rejects.toMatchObject({
      option: 'delayMs',
      message: expect.stringContaining('does not support delayed delivery'),
    });
    const limited = new FakeDriver({
      capabilities: fakeCapabilities({
        'delayed-delivery': { level: 'native', detail: '15 min', limit: 900_000 },
      }),
    });
    const { producer, sender } = setup({}, limited);
    await expect(producer.send(ev(1), { delayMs: -1 })).rejects.toBeInstanceOf(ConfigError);
    await expect(producer.send(ev(1), { delayMs: 900_001 })).rejects.toMatchObject({ option: 'delayMs' });
    await producer.send(ev(1), { delayMs: 5000 });
    await producer.send(ev(2));
    expect(sender.batches.flat().map((o) => o.delayMs)).toEqual([5000, undefined]);
  });
});

describe('producer: receipts, order and lifecycle', () => {
  it('returns receipts with the event id and where it landed, in order', async () => {
    const { producer, sender } = setup();
    sender.steps = [
      (b) => b.map((_, i) => ({ ok: true, receipt: { partition: '3', offset: 40 + i, duplicate: i === 1 } })),
    ];
    const event = createEvent(ev(0));
    const receipts = await producer.send([event, ev(1)]);
    expect(receipts).toEqual([
      { id: event.id, topic: 'orders', partition: '3', offset: 40, duplicate: false },
      { id: expect.any(String), topic: 'orders', partition: '3', offset: 41, duplicate: true },
    ]);
    // re-sending the same Event object keeps its id
    expect((await producer.send(event)).id).toBe(event.id);
    expect(sender.sent[2]).toBe(event);
  });

  it('close flushes, releases the sender, is idempotent; later sends fail with ClosedError', async () => {
    const { producer, sender } = setup({ batch: { lingerMs: 60_000 } });
    const pending = producer.send(ev(1));
    const c1 = producer.close();
    const c2 = producer.close();
    expect(c2).toBe(c1);
    await c1;
    await expect(pending).resolves.toMatchObject({ topic: 'orders' });
    expect(sender.closed).toBe(true);
    await expect(producer.send(ev(2))).rejects.toBeInstanceOf(ClosedError);
    await expect(producer.flush()).resolves.toBeUndefined();
  });

  it('the broker closes its producers', async () => {
    const { broker, producer, sender } = setup({ batch: { lingerMs: 60_000 } });
    const p = producer.send(ev(1));
    await broker.close();
    await expect(p).resolves.toBeDefined();
    expect(sender.closed).toBe(true);
  });

  it('a sender that cannot be opened fails every send with its error', async () => {
    const driver = new FakeDriver();
    driver.openSender = () => Promise.reject(new TopicNotFoundError('orders'));
    const { producer } = setup({}, driver);
    await expect(producer.send(ev(1))).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(producer.send([ev(2), ev(3)])).rejects.toBeInstanceOf(TopicNotFoundError);
    await producer.close();
  });
});

describe('producer: batching', () => {
  it('cuts batches by count', async () => {
    const { producer, sender } = setup({ batch: { maxEvents: 3 } });
    await producer.send(Array.from({ length: 7 }, (_, i) => ev(i)));
    expect(sender.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    expect(sender.sent.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('cuts batches by bytes (an event larger than maxBytes still goes alone)', async () => {
    const { producer, sender } = setup({ batch: { maxBytes: 1000 } });
    const events = [300, 300, 300, 900, 10].map((n, i) => createEvent(ev(i, { data: 'x'.repeat(n) })));
    // ~410 bytes each with attributes: two fit in 1000 bytes, three do not
    expect(eventSize(events[0]!) * 2).toBeLessThanOrEqual(1000);
    expect(eventSize(events[0]!) * 3).toBeGreaterThan(1000);
    expect(eventSize(events[3]!)).toBeGreaterThan(1000);
    await producer.send(events);
    expect(sender.batches.map((b) => b.map((o) => (o.event.data as string).length))).toEqual([
      [300, 300],
      [300],
      [900],
      [10],
    ]);
  });

  it('groups separate sends of the same tick into one batch (linger 0)', async () => {
    const { producer, sender } = setup();
    await Promise.all([producer.send(ev(1)), producer.send(ev(2)), producer.send(ev(3))]);
    expect(sender.batches.map((b) => b.length)).toEqual([3]);
  });

  it('sends batches one at a time, in send order, while later sends queue up', async () => {
    const { producer, sender } = setup({ batch: { maxEvents: 2 } });
    const gate = deferred();
    sender.steps = [async (b) => (await gate.promise, ok(b))];
    const first = producer.send([ev(1), ev(2)]);
    const later = [producer.send(ev(3)), producer.send(ev(4)), producer.send(ev(5))];
    await new Promise((r) => setImmediate(r));
    expect(sender.batches).toHaveLength(1);
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(sender.batches.map((b) => b.map((o) => (o.event.data as { n: number }).n))).toEqual([
      [1, 2],
      [3, 4],
      [5],
    ]);
  });

  describe('with fake timers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('waits lingerMs for more events, unless a limit is reached first', async () => {
      const { producer, sender } = setup({ batch: { lingerMs: 50, maxEvents: 4 } });
      const a = producer.send(ev(1));
      await jest.advanceTimersByTimeAsync(30);
      const b = producer.send(ev(2));
      await jest.advanceTimersByTimeAsync(19);
      expect(sender.batches).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(sender.batches.map((x) => x.length)).toEqual([2]);
      await Promise.all([a, b]);
      // reaching maxEvents sends at once without lingering
      const four = producer.send([ev(3), ev(4), ev(5), ev(6)]);
      await jest.advanceTimersByTimeAsync(0);
      expect(sender.batches.map((x) => x.length)).toEqual([2, 4]);
      await four;
      // flush sends a lingering batch now
      const c = producer.send(ev(7));
      await producer.flush();
      await c;
      expect(sender.batches.map((x) => x.length)).toEqual([2, 4, 1]);
    });
  });
});

describe('producer: retries with backoff (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const retry = { attempts: 4, initialDelayMs: 100, maxDelayMs: 10_000, jitter: 0 };

  it('retries a retryable failure after 100, 200 ms… and then succeeds', async () => {
    const { producer, sender } = setup({ retry });
    sender.steps = [retryable(), retryable(), 'ok'];
    const r = settle(producer.send(ev(1)));
    await jest.advanceTimersByTimeAsync(0);
    expect(sender.callTimes).toEqual([1_000_000]);
    await jest.advanceTimersByTimeAsync(99);
    expect(sender.callTimes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(sender.callTimes).toEqual([1_000_000, 1_000_100]);
    await jest.advanceTimersByTimeAsync(199);
    expect(sender.callTimes).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(sender.callTimes).toEqual([1_000_000, 1_000_100, 1_000_300]);
    expect((await r).value).toMatchObject({ topic: 'orders' });
  });

  it('after its budget rejects with a retryable BrokerUnavailableError carrying the last error', async () => {
    const { producer, sender } = setup({ retry });
    const last = retryable('still busy');
    sender.steps = [retryable(), retryable(), retryable(), last];
    const r = settle(producer.send(ev(1)));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sender.callTimes.map((t) => t - 1_000_000)).toEqual([0, 100, 300, 700]);
    const err = (await r).error as BrokerUnavailableError;
    expect(err).toBeInstanceOf(BrokerUnavailableError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/send to "orders" failed after 4 attempts: still busy/);
    expect(err.cause).toBe(last);
  });

  it('uses jittered delays from the policy (Math.random stubbed)', async () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const { producer, sender } = setup({ retry: { ...retry, jitter: 0.5 } });
      sender.steps = [retryable(), retryable(), 'ok'];
      const r = producer.send(ev(1));
      await jest.advanceTimersByTimeAsync(1000);
      await r;
      expect(sender.callTimes.map((t) => t - 1_000_000)).toEqual([0, 75, 225]);
    } finally {
      spy.mockRestore();
    }
  });

  it('does not retry a non-retryable error', async () => {
    const { producer, sender } = setup({ retry });
    const denied = new EventPortError('AUTHORIZATION', 'not allowed');
    sender.steps = [denied];
    const r = settle(producer.send(ev(1)));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sender.batches).toHaveLength(1);
    expect((await r).error).toBe(denied);
    // plain (unmapped) errors count as not retryable
    const plain = new Error('weird');
    sender.steps = [plain];
    const r2 = settle(producer.send(ev(2)));
    await jest.advanceTimersByTimeAsync(10_000);
    expect((await r2).error).toBe(plain);
    expect(sender.batches).toHaveLength(2);
  });

  it('at-most-once never retries', async () => {
    const { producer, sender } = setup({ delivery: 'at-most-once', retry });
    const err = retryable();
    sender.steps = [err];
    const r = settle(producer.send(ev(1)));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sender.batches).toHaveLength(1);
    expect((await r).error).toBe(err);
  });

  it('retries only the failed entries of a partial failure', async () => {
    const { producer, sender } = setup({ retry });
    const fatal = new EventPortError('SEND_FAILED', 'rejected by broker');
    sender.steps = [
      () => [
        { ok: true, receipt: { offset: 1 } },
        { ok: false, error: retryable() },
        { ok: false, error: fatal },
      ],
      (b) => b.map(() => ({ ok: true, receipt: { offset: 2 } })),
    ];
    const results = Promise.all([ev(1), ev(2), ev(3)].map((e) => settle(producer.send(e))));
    await jest.advanceTimersByTimeAsync(1000);
    const [a, b, c] = await results;
    expect(a!.value).toMatchObject({ offset: 1 });
    expect(b!.value).toMatchObject({ offset: 2 });
    expect(c!.error).toBe(fatal);
    expect(sender.batches.map((x) => x.map((o) => (o.event.data as { n: number }).n))).toEqual([
      [1, 2, 3],
      [2],
    ]);
    expect(sender.callTimes.map((t) => t - 1_000_000)).toEqual([0, 100]);
  });

  it('per-entry retryable failures that exhaust the budget reject with BrokerUnavailableError', async () => {
    const { producer, sender } = setup({ retry: { ...retry, attempts: 2 } });
    sender.steps = [
      (b) => b.map(() => ({ ok: false, error: retryable() })),
      (b) => b.map(() => ({ ok: false, error: retryable() })),
    ];
    const r = settle(producer.send(ev(1)));
    await jest.advanceTimersByTimeAsync(1000);
    expect((await r).error).toBeInstanceOf(BrokerUnavailableError);
    expect(((await r).error as Error).message).toContain('after 2 attempts');
  });

  it('a driver that returns too few outcomes fails the missing entries', async () => {
    const { producer, sender } = setup();
    sender.steps = [() => [{ ok: true, receipt: {} }]];
    const both = Promise.all([settle(producer.send(ev(1))), settle(producer.send(ev(2)))]);
    await jest.advanceTimersByTimeAsync(0);
    const [a, b] = await both;
    expect(a!.value).toBeDefined();
    expect(b!.error).toBeInstanceOf(BrokerUnavailableError);
    expect((b!.error as Error).message).toContain('no outcome');
  });
});

import { Broker } from '../src/api/broker.js';
import type { ConsumerOptions } from '../src/api/options.js';
import type { Subscription } from '../src/api/subscription.js';
import type { Delivery } from '../src/api/delivery.js';
import { BrokerUnavailableError, ClosedError, ConfigError, EventPortError } from '../src/errors/errors.js';
import type { Event } from '../src/event/types.js';
import { MemoryIdempotencyStore } from '../src/idempotency/store.js';
import { DEAD_LETTER_ATTEMPTS, DEAD_LETTER_REASON } from '../src/portable/dead-letter-event.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import {
  FakeDriver,
  FakeReceiver,
  RecordingLogger,
  deferred,
  fakeCapabilities,
  message,
  tick,
  waitFor,
  type Deferred,
  type FakeReceiverFeatures,
} from './helpers/fakes.js';
import type { Guarantee, Capability } from '../src/guarantees/vocabulary.js';

interface Setup {
  broker: Broker;
  driver: FakeDriver;
  receiver: FakeReceiver;
  logger: RecordingLogger;
}

function setup(
  features: FakeReceiverFeatures = {},
  caps: Partial<Record<Guarantee, Capability>> = {},
): Setup {
  const receiver = new FakeReceiver(features);
  const driver = new FakeDriver({ capabilities: fakeCapabilities(caps), receiver: () => receiver });
  const logger = new RecordingLogger();
  const broker = new Broker(driver, NOOP_TRACING, { logger });
  return { broker, driver, receiver, logger };
}

const emulatedDlq = { 'dead-letter': { level: 'emulated', detail: 'produce to <topic>.dlq' } } as const;
const emulatedEos = { 'consume.exactly-once': { level: 'emulated', detail: 'idempotent consumer' } } as const;
const noRetryJitter = { initialDelayMs: 100, maxDelayMs: 10_000, jitter: 0 };

let subs: Subscription[] = [];
async function subscribe(
  s: Setup,
  handler: (e: Event, ctx: Delivery) => unknown,
  options: ConsumerOptions = {},
): Promise<Subscription> {
  const sub = await s.broker.consumer('orders', options).subscribe(handler);
  subs.push(sub);
  return sub;
}

afterEach(async () => {
  jest.useRealTimers();
  await Promise.allSettled(subs.map((s) => s.close({ drainTimeoutMs: 0 })));
  subs = [];
});

describe('consumer engine over a fake offset-settled receiver', () => {
  it('contiguous commits: handlers finishing out of order never move the checkpoint past an unfinished event', async () => {
    const s = setup({ settlement: 'offset' });
    const gates = new Map<number, Deferred<void>>();
    const started: number[] = [];
    await subscribe(
      s,
      async (_e, ctx) => {
        started.push(ctx.offset!);
        const g = deferred();
        gates.set(ctx.offset!, g);
        await g.promise;
      },
      { ordering: 'none', concurrency: 5 },
    );
    s.receiver.push(...[0, 1, 2, 3, 4].map((offset) => message({}, { partition: '0', offset })));
    await waitFor(() => started.length === 5, 'all five handlers to start');
    const finish = async (o: number) => {
      gates.get(o)!.resolve();
      await tick();
      await tick();
    };
    await finish(3);
    await finish(1);
    expect(s.receiver.commits).toEqual([]);
    await finish(0);
    expect(s.receiver.commits).toEqual([{ partition: '0', offset: 2 }]);
    await finish(4);
    expect(s.receiver.commits).toHaveLength(1);
    await finish(2);
    expect(s.receiver.commits).toEqual([
      { partition: '0', offset: 2 },
      { partition: '0', offset: 5 },
    ]);
  });

  it('retries in place with backoff (no native nack), then dead-letters by producing to <topic>.dlq and committing', async () => {
    jest.useFakeTimers({ now: 0 });
    const s = setup({ settlement: 'offset' }, emulatedDlq);
    const calls: { at: number; attempt: number }[] = [];
    const sub = await subscribe(
      s,
      (_e, ctx) => {
        calls.push({ at: Date.now(), attempt: ctx.attempt });
        throw new Error('boom');
      },
      { retry: { attempts: 4, ...noRetryJitter } },
    );
    const m = message(
      { key: 'k', data: { v: 1 }, extensions: { region: 'eu' } },
      { partition: '0', offset: 7 },
    );
    s.receiver.push(m);
    await jest.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ at: 0, attempt: 1 }]);
    await jest.advanceTimersByTimeAsync(99);
    expect(calls).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.at)).toEqual([0, 100]);
    await jest.advanceTimersByTimeAsync(200);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300]);
    expect(s.receiver.commits).toEqual([]);
    await jest.advanceTimersByTimeAsync(400);
    expect(calls).toEqual([
      { at: 0, attempt: 1 },
      { at: 100, attempt: 2 },
      { at: 300, attempt: 3 },
      { at: 700, attempt: 4 },
    ]);
    await jest.advanceTimersByTimeAsync(10);
    const dlq = s.driver.sender('orders.dlq');
    expect(dlq.sent).toHaveLength(1);
    const dl = dlq.sent[0]!;
    expect(dl).toMatchObject({
      id: m.event.id,
      source: m.event.source,
      type: m.event.type,
      key: 'k',
      data: { v: 1 },
    });
    expect(dl.extensions).toMatchObject({ region: 'eu', [DEAD_LETTER_ATTEMPTS]: 4 });
    expect(dl.extensions[DEAD_LETTER_REASON]).toBe('handler failed after 4 attempts: Error: boom');
    expect(s.receiver.commits).toEqual([{ partition: '0', offset: 8 }]);
    expect(sub.stats).toMatchObject({ received: 1, failed: 4, retried: 3, deadLettered: 1, handled: 0 });
    // the receiver was told not to dead-letter natively
    expect(s.driver.receiverOptions[0]!.options.deadLetter).toBeUndefined();
  });

  it('ctx.nack({ delayMs }) without native nack retries in place after that delay', async () => {
    jest.useFakeTimers({ now: 0 });
    const s = setup({ settlement: 'offset' });
    const calls: number[] = [];
    await subscribe(s, async (_e, ctx) => {
      calls.push(Date.now());
      if (ctx.attempt === 1) await ctx.nack({ delayMs: 1234 });
    });
    s.receiver.push(message({}, { partition: '0', offset: 0 }));
    await jest.advanceTimersByTimeAsync(1233);
    expect(calls).toEqual([0]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([0, 1234]);
    await jest.advanceTimersByTimeAsync(0);
    expect(s.receiver.commits).toEqual([{ partition: '0', offset: 1 }]);
  });
});

describe('consumer engine over a fake per-message receiver (native nack)', () => {
  it('nacks a failed event with the policy backoff, then native dead-letters on the last attempt', async () => {
    jest.useFakeTimers({ now: 0 });
    const s = setup({ deadLetter: true });
    const sub = await subscribe(
      s,
      () => {
        throw new EventPortError('HANDLER_FAILED', 'nope');
      },
      { retry: { attempts: 3, ...noRetryJitter } },
    );
    expect(s.driver.receiverOptions[0]!.options.deadLetter).toEqual({
      topic: 'orders.dlq',
      maxDeliveries: 3,
    });
    const m = message();
    s.receiver.push(m);
    await jest.advanceTimersByTimeAsync(0);
    expect(s.receiver.nacks.map((n) => n.delayMs)).toEqual([100]);
    s.receiver.push({ ...m, deliveryCount: 2, handle: 'h2' });
    await jest.advanceTimersByTimeAsync(0);
    expect(s.receiver.nacks.map((n) => n.delayMs)).toEqual([100, 200]);
    s.receiver.push({ ...m, deliveryCount: 3, handle: 'h3' });
    await jest.advanceTimersByTimeAsync(0);
    expect(s.receiver.nacks).toHaveLength(2);
    expect(s.receiver.deadLettered).toEqual([
      {
        message: expect.objectContaining({ handle: 'h3' }),
        reason: 'handler failed after 3 attempts: HANDLER_FAILED: nope',
      },
    ]);
    expect(s.receiver.acked).toEqual([]);
    expect(sub.stats).toMatchObject({ received: 3, failed: 3, retried: 2, deadLettered: 1 });
  });

  it('uses jittered backoff for nack delays (Math.random stubbed)', async () => {
    const spy = jest.spyOn(Math, 'random').mockReturnValue(1);
    try {
      const s = setup();
      await subscribe(s, () => Promise.reject(new Error('x')), {
        retry: { attempts: 5, initialDelayMs: 1000, jitter: 0.3 },
      });
      s.receiver.push(message({}, { deliveryCount: 3 }));
      await waitFor(() => s.receiver.nacks.length === 1, 'a nack');
      expect(s.receiver.nacks[0]!.delayMs).toBe(2800); // 1000 * 2^2 * (1 - 0.3)
    } finally {
      spy.mockRestore();
    }
  });

  it('resolve = ack; explicit ack / nack / deadLetter / extendLease go to the driver', async () => {
    const s = setup({ deadLetter: true, extendLease: true });
    const seen: string[] = [];
    const sub = await subscribe(
      s,
      async (e, ctx) => {
        seen.push(e.type);
        expect(ctx.event).toBe(e);
        expect(ctx.signal.aborted).toBe(false);
        if (e.type === 'ack-then-throw') {
          await ctx.ack();
          throw new Error('after ack');
        }
        if (e.type === 'nack') await ctx.nack({ delayMs: 42 });
        if (e.type === 'nack-default') await ctx.nack();
        if (e.type === 'dl') await ctx.deadLetter('bad payload');
        if (e.type === 'extend') await ctx.extendLease(5000);
      },
      { retry: { attempts: 5, ...noRetryJitter } },
    );
    const msgs = ['ok', 'ack-then-throw', 'nack', 'nack-default', 'dl', 'extend'].map((type) =>
      message({ type }),
    );
    s.receiver.push(...msgs);
    await waitFor(() => sub.stats.handled + sub.stats.failed === 6, 'six handlers');
    await tick();
    expect(s.receiver.acked.map((m) => m.event.type).sort()).toEqual(['ack-then-throw', 'extend', 'ok']);
    expect(s.receiver.nacks.map((n) => [n.message.event.type, n.delayMs])).toEqual([
      ['nack', 42],
      ['nack-default', 100],
    ]);
    expect(s.receiver.deadLettered).toEqual([{ message: msgs[4], reason: 'bad payload' }]);
    expect(s.receiver.extended).toEqual([{ message: msgs[5], ms: 5000 }]);
    expect(sub.stats.deadLettered).toBe(1);
  });

  it('at-most-once: settles before the handler runs and never redelivers a failed handler', async () => {
    const s = setup();
    let ackedBeforeHandler: boolean | undefined;
    const sub = await subscribe(
      s,
      async () => {
        await tick();
        ackedBeforeHandler = s.receiver.acked.length === 1;
        throw new Error('lost on purpose');
      },
      { delivery: 'at-most-once' },
    );
    s.receiver.push(message());
    await waitFor(() => sub.stats.failed === 1, 'the handler to fail');
    await tick();
    expect(ackedBeforeHandler).toBe(true);
    expect(s.receiver.nacks).toEqual([]);
    expect(s.receiver.deadLettered).toEqual([]);
    expect(s.receiver.acked).toHaveLength(1);
    expect(
      s.logger.entries.some((e) => e.message.includes('at-most-once: the event is not redelivered')),
    ).toBe(true);
  });

  it('deadLetter: false drops an exhausted event (logged) and acks it', async () => {
    const s = setup({ deadLetter: true });
    const sub = await subscribe(s, () => Promise.reject(new Error('x')), {
      deadLetter: false,
      retry: { attempts: 1 },
    });
    s.receiver.push(message());
    await waitFor(() => s.receiver.acked.length === 1, 'the ack');
    expect(s.receiver.deadLettered).toEqual([]);
    expect(sub.stats.deadLettered).toBe(1);
    expect(s.logger.entries.some((e) => e.level === 'error' && e.message.includes('dropping event'))).toBe(
      true,
    );
  });

  it('a handler throwing a nullish value still counts as a failure', async () => {
    const s = setup();
    await subscribe(s, () => Promise.reject(undefined), { retry: { attempts: 2, ...noRetryJitter } });
    s.receiver.push(message());
    await waitFor(() => s.receiver.nacks.length === 1, 'a nack');
    expect(s.receiver.acked).toEqual([]);
  });

  it('maxInFlight bounds how much is received and unsettled (backpressure)', async () => {
    const s = setup();
    const gates: Deferred<void>[] = [];
    const sub = await subscribe(
      s,
      async () => {
        const g = deferred();
        gates.push(g);
        await g.promise;
      },
      { maxInFlight: 3, concurrency: 1 },
    );
    s.receiver.push(...Array.from({ length: 10 }, () => message()));
    await waitFor(() => gates.length === 1, 'the first handler');
    await new Promise((r) => setTimeout(r, 30));
    expect(s.receiver.receiveMax).toEqual([3]);
    expect(sub.stats.received).toBe(3);
    expect(s.receiver.queue).toHaveLength(7);
    gates[0]!.resolve();
    await waitFor(() => gates.length === 2, 'the second handler');
    await waitFor(() => s.receiver.receiveMax.length === 2, 'another receive');
    expect(s.receiver.receiveMax[1]).toBe(1);
    expect(sub.stats.received).toBe(4);
  });

  it('retries retryable receive failures with backoff; a fatal one ends the subscription', async () => {
    const s = setup();
    s.receiver.receiveErrors = [new BrokerUnavailableError('blip')];
    const handled: string[] = [];
    const sub = await subscribe(s, (e) => void handled.push(e.id), {
      retry: { initialDelayMs: 1, jitter: 0 },
    });
    s.receiver.push(message({ id: 'after-blip' }));
    await waitFor(() => handled.length === 1, 'delivery after a receive failure');
    expect(s.logger.entries.some((e) => e.message.startsWith('receive failed (attempt 1)'))).toBe(true);

    const s2 = setup();
    s2.receiver.receiveErrors = [new EventPortError('AUTHENTICATION', 'bad credentials')];
    const sub2 = await subscribe(s2, () => undefined);
    await expect(sub2.done).rejects.toThrow('bad credentials');
    expect(s2.receiver.closed).toBe(true);
    await sub.close();
    await expect(sub.done).resolves.toBeUndefined();
  });

  it('keeps leases alive for slow handlers', async () => {
    const s = setup({ extendLease: true });
    const gate = deferred();
    await subscribe(s, () => gate.promise, { leaseMs: 30 });
    const m = message();
    s.receiver.push(m);
    await waitFor(() => s.receiver.extended.length >= 2, 'two lease extensions');
    expect(s.receiver.extended.every((x) => x.message === m && x.ms === 30)).toBe(true);
    gate.resolve();
    await waitFor(() => s.receiver.acked.length === 1, 'the ack');
    const n = s.receiver.extended.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(s.receiver.extended.length).toBe(n);
  });

  it('exactly-once (emulated): a redelivered or resent event is skipped once processed', async () => {
    const s = setup({}, emulatedEos);
    const store = new MemoryIdempotencyStore();
    const effects: string[] = [];
    const sub = await subscribe(s, (e) => void effects.push(e.id), {
      delivery: 'exactly-once',
      idempotencyStore: store,
    });
    const m = message({ id: 'once' });
    s.receiver.push(m);
    await waitFor(() => s.receiver.acked.length === 1, 'the first ack');
    s.receiver.push(
      { ...m, handle: 'redelivered', deliveryCount: 2 },
      message({ id: 'once', source: '/other' }),
    );
    await waitFor(() => s.receiver.acked.length === 3, 'all acks');
    expect(effects).toEqual(['once', 'once']); // same id, different source: a different event
    expect(sub.stats.duplicatesSkipped).toBe(1);
  });

  it('exactly-once: concurrent copies of one event run the handler once', async () => {
    const s = setup({}, emulatedEos);
    const gate = deferred();
    let calls = 0;
    const sub = await subscribe(
      s,
      async () => {
        calls++;
        await gate.promise;
      },
      { delivery: 'exactly-once', ordering: 'none', idempotencyStore: new MemoryIdempotencyStore() },
    );
    const m = message({ id: 'dup' });
    s.receiver.push(m, { ...m, handle: 'copy' });
    await waitFor(() => calls === 1, 'the first handler');
    await new Promise((r) => setTimeout(r, 20));
    gate.resolve();
    await waitFor(() => s.receiver.acked.length === 2, 'both acks');
    expect(calls).toBe(1);
    expect(sub.stats.duplicatesSkipped).toBe(1);
  });

  it('exactly-once: a handler that acks explicitly still records the event', async () => {
    const s = setup({}, emulatedEos);
    const effects: string[] = [];
    await subscribe(
      s,
      async (e, ctx) => {
        effects.push(e.id);
        await ctx.ack();
      },
      { delivery: 'exactly-once', idempotencyStore: new MemoryIdempotencyStore() },
    );
    const m = message({ id: 'explicit' });
    s.receiver.push(m);
    await waitFor(() => s.receiver.acked.length === 1, 'the first ack');
    s.receiver.push({ ...m, handle: 'again' });
    await waitFor(() => s.receiver.acked.length === 2, 'the second ack');
    expect(effects).toEqual(['explicit']);
  });

  it('exactly-once on a broker that does it natively uses no idempotency store', async () => {
    const s = setup();
    const store = { has: jest.fn(() => false), add: jest.fn() };
    const effects: string[] = [];
    await subscribe(s, (e) => void effects.push(e.id), { delivery: 'exactly-once', idempotencyStore: store });
    const m = message();
    s.receiver.push(m, { ...m, handle: 'again' });
    await waitFor(() => s.receiver.acked.length === 2, 'two acks');
    expect(effects).toHaveLength(2);
    expect(store.has).not.toHaveBeenCalled();
  });
});

describe('subscriptions: drain and lifecycle', () => {
  it('close({ drainTimeoutMs }) waits for in-flight handlers and settles them before closing the receiver', async () => {
    const s = setup();
    const gate = deferred();
    let finished = false;
    const sub = await subscribe(s, async () => {
      await gate.promise;
      finished = true;
    });
    s.receiver.push(message(), message());
    await waitFor(() => sub.stats.received === 2, 'two deliveries');
    const closing = sub.close({ drainTimeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(s.receiver.closed).toBe(false);
    gate.resolve();
    await closing;
    expect(finished).toBe(true);
    expect(s.receiver.acked).toHaveLength(2);
    expect(s.receiver.nacks).toEqual([]);
    expect(s.receiver.closed).toBe(true);
    await expect(sub.done).resolves.toBeUndefined();
    expect(sub.close()).toBe(closing);
  });

  it('a handler exceeding the drain timeout sees its signal abort and its event is given back', async () => {
    const s = setup();
    let aborted = false;
    let calls = 0;
    const sub = await subscribe(
      s,
      (_e, ctx) =>
        new Promise<void>((resolve) => {
          calls++;
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
      { concurrency: 1 },
    );
    const [m1, m2] = [message({ key: 'a' }), message({ key: 'a' })];
    s.receiver.push(m1!, m2!);
    await waitFor(() => sub.stats.received === 2, 'two deliveries');
    await sub.close({ drainTimeoutMs: 30 });
    expect(aborted).toBe(true);
    expect(s.receiver.nacks.map((n) => [n.message, n.delayMs])).toEqual([
      [m1, 0],
      [m2, 0],
    ]);
    expect(s.receiver.acked).toEqual([]);
    expect(s.receiver.closed).toBe(true);
    expect(s.logger.entries.some((e) => e.message.includes('drain timed out'))).toBe(true);
    // the event queued behind the timed-out one was given back: its handler never runs after close
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
  });

  it('a clean drain leaves no timer behind (the drain deadline is cancelled)', async () => {
    jest.useFakeTimers();
    const s = setup();
    const gate = deferred();
    const sub = await subscribe(s, () => gate.promise);
    s.receiver.push(message());
    await jest.advanceTimersByTimeAsync(0);
    const closing = sub.close({ drainTimeoutMs: 60_000 });
    await jest.advanceTimersByTimeAsync(10);
    gate.resolve();
    await jest.advanceTimersByTimeAsync(0);
    await closing;
    expect(s.receiver.acked).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('aborting the signal closes the subscription; a consumer subscribes once', async () => {
    const s = setup();
    const ac = new AbortController();
    const consumer = s.broker.consumer('orders', { signal: ac.signal });
    await expect(consumer.subscribe('nope' as never)).rejects.toBeInstanceOf(ConfigError);
    const sub = await consumer.subscribe(() => undefined);
    await expect(consumer.subscribe(() => undefined)).rejects.toBeInstanceOf(ClosedError);
    ac.abort();
    await sub.done;
    expect(s.receiver.closed).toBe(true);

    const pre = new AbortController();
    pre.abort();
    const s2 = setup();
    const sub2 = await s2.broker.consumer('orders', { signal: pre.signal }).subscribe(() => undefined);
    await sub2.done;
    expect(s2.receiver.closed).toBe(true);
  });

  it('broker.close() closes its subscriptions', async () => {
    const s = setup();
    const sub = await s.broker.consumer('orders').subscribe(() => undefined);
    await s.broker.close();
    await expect(sub.done).resolves.toBeUndefined();
    expect(s.receiver.closed).toBe(true);
    expect(s.driver.closed).toBe(true);
  });

  it('an internal failure while processing is logged and does not stop the consumer', async () => {
    const s = setup({ settlement: 'offset' }, emulatedDlq);
    s.driver.sender('orders.dlq').steps = [new Error('dlq down')];
    const seen: string[] = [];
    await subscribe(
      s,
      (e) => {
        seen.push(e.id);
        if (e.id === 'poison') throw new Error('bad');
      },
      { retry: { attempts: 1 } },
    );
    s.receiver.push(
      message({ id: 'poison' }, { partition: '0', offset: 0 }),
      message({ id: 'fine' }, { partition: '0', offset: 1 }),
    );
    await waitFor(() => seen.length === 2, 'both events');
    await waitFor(
      () => s.logger.entries.some((e) => e.message === 'internal error while processing an event'),
      'an error log',
    );
    await tick();
    // the poison event could not be dead-lettered: it stays unsettled and blocks the commit
    expect(s.receiver.commits).toEqual([]);
  });
});

describe('async iteration over a fake receiver', () => {
  it('moving on acks the previous delivery; break gives the current one back', async () => {
    const s = setup();
    const consumer = s.broker.consumer('orders');
    const msgs = [message({ id: '1' }), message({ id: '2' }), message({ id: '3' })];
    s.receiver.push(...msgs);
    const got: string[] = [];
    for await (const d of consumer) {
      got.push(d.event.id);
      if (d.event.id === '2') break;
    }
    expect(got).toEqual(['1', '2']);
    expect(s.receiver.acked.map((m) => m.event.id)).toEqual(['1']);
    expect(s.receiver.nacks.map((n) => n.message.event.id).sort()).toEqual(['2', '3']);
    expect(s.receiver.closed).toBe(true);
  });

  it('explicit settlement inside the loop is respected', async () => {
    const s = setup();
    const consumer = s.broker.consumer('orders');
    s.receiver.push(message({ id: 'a' }), message({ id: 'b' }));
    for await (const d of consumer) {
      if (d.event.id === 'a') await d.nack({ delayMs: 5 });
      else break;
    }
    expect(s.receiver.nacks.map((n) => [n.message.event.id, n.delayMs])).toEqual([
      ['a', 5],
      ['b', 0],
    ]);
    expect(s.receiver.acked).toEqual([]);
  });

  it('ends when the subscription is closed from outside', async () => {
    const s = setup();
    const ac = new AbortController();
    const consumer = s.broker.consumer('orders', { signal: ac.signal });
    const got: string[] = [];
    setTimeout(() => ac.abort(), 30);
    for await (const d of consumer) got.push(d.event.id);
    expect(got).toEqual([]);
  });

  it('a receiver that cannot be opened fails the loop', async () => {
    const s = setup();
    s.driver.openReceiver = () => Promise.reject(new BrokerUnavailableError('down'));
    const consumer = s.broker.consumer('orders');
    await expect(
      (async () => {
        for await (const _d of consumer) break;
      })(),
    ).rejects.toThrow('down');
  });
});

describe('edges', () => {
  it('synchronous handlers: returning acks, throwing retries', async () => {
    const s = setup();
    await subscribe(
      s,
      (e) => {
        if (e.id === 'bad') throw new Error('sync failure');
      },
      { retry: { attempts: 3, ...noRetryJitter } },
    );
    s.receiver.push(message({ id: 'good' }), message({ id: 'bad' }));
    await waitFor(() => s.receiver.acked.length === 1 && s.receiver.nacks.length === 1, 'an ack and a nack');
    expect(s.receiver.acked[0]!.event.id).toBe('good');
    expect(s.receiver.nacks[0]!.message.event.id).toBe('bad');
  });

  it('a non-Error thrown value is described in the dead-letter reason', async () => {
    const s = setup({ deadLetter: true });
    await subscribe(
      s,
      () => {
        throw 'plain string';
      },
      { retry: { attempts: 1 } },
    );
    s.receiver.push(message());
    await waitFor(() => s.receiver.deadLettered.length === 1, 'a dead-letter');
    expect(s.receiver.deadLettered[0]!.reason).toBe('handler failed after 1 attempts: plain string');
  });

  it('context methods are no-ops where they cannot apply', async () => {
    const s = setup(); // no extendLease, no native dead-letter
    const results: unknown[] = [];
    const sub = await subscribe(s, async (_e, ctx) => {
      results.push(await ctx.extendLease(1000));
      await ctx.ack();
      await ctx.deadLetter('too late'); // already settled
      await ctx.nack(); // already settled
    });
    s.receiver.push(message());
    await waitFor(() => sub.stats.handled === 1, 'the handler');
    await tick();
    expect(results).toEqual([undefined]);
    expect(s.receiver.acked).toHaveLength(1);
    expect(s.receiver.nacks).toEqual([]);
    expect(sub.stats.deadLettered).toBe(0);
    expect(s.driver.senders.size).toBe(0);
  });

  it('a failing lease extension is logged and the handler carries on', async () => {
    const s = setup({ extendLease: true });
    s.receiver.extendLease = () => Promise.reject(new Error('lease lost'));
    const gate = deferred();
    await subscribe(s, () => gate.promise, { leaseMs: 30 });
    s.receiver.push(message());
    await waitFor(() => s.logger.entries.some((e) => e.message === 'lease extension failed'), 'the warning');
    gate.resolve();
    await waitFor(() => s.receiver.acked.length === 1, 'the ack');
  });

  it('close() rejects (and done rejects) when the receiver fails to close', async () => {
    const s = setup();
    s.receiver.close = () => Promise.reject(new Error('close failed'));
    const sub = await s.broker.consumer('orders').subscribe(() => undefined);
    await expect(sub.close()).rejects.toThrow('close failed');
    await expect(sub.done).rejects.toThrow('close failed');
  });

  it('async iteration fails when the subscription dies', async () => {
    const s = setup();
    s.receiver.receiveErrors = [new EventPortError('AUTHORIZATION', 'denied')];
    await expect(
      (async () => {
        for await (const _d of s.broker.consumer('orders')) break;
      })(),
    ).rejects.toThrow('denied');
  });
});

/**
 * Batch-level dispatch: a received batch runs inline while the scheduler is idle, and the
 * first delivery that goes asynchronous hands the rest to the scheduler. These tests pin the
 * guarantees that must hold across that hand-over (key order, concurrency bound, drain,
 * leases, settlement), with every delivery of a test arriving in one `receive`.
 */
import { Broker } from '../src/api/broker.js';
import type { ConsumerOptions } from '../src/api/options.js';
import type { Subscription } from '../src/api/subscription.js';
import type { Delivery } from '../src/api/delivery.js';
import type { Event } from '../src/event/types.js';
import { KeyedScheduler } from '../src/portable/keyed-scheduler.js';
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
  type FakeReceiverFeatures,
} from './helpers/fakes.js';

let subs: Subscription[] = [];
afterEach(async () => {
  await Promise.allSettled(subs.map((s) => s.close({ drainTimeoutMs: 0 })));
  subs = [];
});

async function consume(
  receiver: FakeReceiver,
  handler: (e: Event, ctx: Delivery) => unknown,
  options: ConsumerOptions,
): Promise<Subscription> {
  const driver = new FakeDriver({ capabilities: fakeCapabilities(), receiver: () => receiver });
  const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
  const sub = await broker.consumer('orders', options).subscribe(handler);
  subs.push(sub);
  return sub;
}

const receiver = (features: FakeReceiverFeatures = {}) => new FakeReceiver(features);
const nameOf = (e: Event) => e.subject!;

describe('batch-level dispatch', () => {
  it('a batch of synchronous handlers is handled in order, acked in one call, counted once each', async () => {
    const r = receiver();
    const seen: string[] = [];
    const sub = await consume(r, (e) => void seen.push(nameOf(e)), { concurrency: 4, ordering: 'none' });
    const batch = Array.from({ length: 100 }, (_, i) => message({ subject: `e${i}` }));
    r.push(...batch);
    await waitFor(() => r.acked.length === 100, 'every ack');
    expect(seen).toEqual(batch.map((m) => m.event.subject));
    expect(r.ackCalls).toEqual([100]);
    expect(sub.stats.received).toBe(100);
    expect(sub.stats.handled).toBe(100);
  });

  it('an event going asynchronous mid-batch holds its key: later events of that key wait, other keys run', async () => {
    const r = receiver();
    const gate = deferred();
    const started: string[] = [];
    await consume(
      r,
      (e) => {
        started.push(nameOf(e));
        if (nameOf(e) === 'a2') return gate.promise;
        return undefined;
      },
      { concurrency: 4, ordering: 'per-key' },
    );
    r.push(
      message({ subject: 'a1', key: 'a' }),
      message({ subject: 'a2', key: 'a' }),
      message({ subject: 'a3', key: 'a' }),
      message({ subject: 'b1', key: 'b' }),
      message({ subject: 'a4', key: 'a' }),
      message({ subject: 'b2', key: 'b' }),
    );
    await waitFor(() => started.includes('b2'), 'key b to be handled');
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2']);
    gate.resolve();
    await waitFor(() => r.acked.length === 6, 'every ack');
    expect(started).toEqual(['a1', 'a2', 'b1', 'b2', 'a3', 'a4']);
  });

  it('the concurrency bound counts an event that went asynchronous mid-batch', async () => {
    const r = receiver();
    const gate = deferred();
    const started: string[] = [];
    await consume(
      r,
      (e) => {
        started.push(nameOf(e));
        return nameOf(e) === 'x2' ? gate.promise : undefined;
      },
      { concurrency: 1, ordering: 'none' },
    );
    r.push(message({ subject: 'x1' }), message({ subject: 'x2' }), message({ subject: 'x3' }));
    await waitFor(() => started.length === 2, 'x2 to start');
    await tick();
    await tick();
    expect(started).toEqual(['x1', 'x2']); // x3 waits for the one slot
    gate.resolve();
    await waitFor(() => r.acked.length === 3, 'every ack');
    expect(started).toEqual(['x1', 'x2', 'x3']);
  });

  it('an event that went asynchronous mid-batch is in flight: its lease is kept and close drains it', async () => {
    const r = receiver({ extendLease: true });
    const gate = deferred();
    const slow = message({ subject: 'slow' });
    const sub = await consume(r, (e) => (nameOf(e) === 'slow' ? gate.promise : undefined), {
      leaseMs: 30,
      ordering: 'none',
    });
    r.push(message({ subject: 'fast' }), slow, message({ subject: 'fast2' }));
    await waitFor(() => r.extended.length >= 2, 'two lease extensions');
    expect(r.extended.every((x) => x.message === slow)).toBe(true);
    const closed = sub.close({ drainTimeoutMs: 5_000 });
    await tick();
    expect(r.closed).toBe(false); // the drain waits for the slow handler
    gate.resolve();
    await closed;
    expect(r.acked.map((m) => m.event.subject).sort()).toEqual(['fast', 'fast2', 'slow']);
  });

  it('offset receivers: a batch of synchronous handlers commits once, past its last offset', async () => {
    const r = receiver({ settlement: 'offset' });
    await consume(r, () => undefined, { ordering: 'none' });
    r.push(...[0, 1, 2, 3, 4].map((offset) => message({}, { partition: '0', offset })));
    await waitFor(() => r.commits.length > 0, 'a commit');
    await tick();
    expect(r.commits).toEqual([{ partition: '0', offset: 5 }]);
  });

  it('a synchronous failure mid-batch retries through the broker (nack) and the batch carries on', async () => {
    const r = receiver();
    const seen: string[] = [];
    await consume(
      r,
      (e) => {
        seen.push(nameOf(e));
        if (nameOf(e) === 'bad') throw new Error('boom');
      },
      { ordering: 'none', concurrency: 1, retry: { attempts: 3, initialDelayMs: 5, jitter: 0 } },
    );
    r.push(message({ subject: 'ok1' }), message({ subject: 'bad' }), message({ subject: 'ok2' }));
    await waitFor(() => r.acked.length === 2 && r.nacks.length === 1, 'two acks and a nack');
    expect(seen).toEqual(['ok1', 'bad', 'ok2']);
    expect(r.nacks[0]!.message.event.subject).toBe('bad');
  });
});

describe('KeyedScheduler.adopt', () => {
  it('an adopted item holds its key and a slot until its promise settles', async () => {
    const ran: string[] = [];
    type Item = { key: string | undefined; name: string };
    const s = new KeyedScheduler<Item>(
      2,
      (i) => void ran.push(i.name),
      (i) => i.key,
    );
    expect(s.isIdle).toBe(true);
    const gate = deferred();
    s.adopt({ key: 'k', name: 'adopted' }, gate.promise);
    expect(s.isIdle).toBe(false);
    s.submit({ key: 'k', name: 'k2' });
    s.submit({ key: undefined, name: 'free' });
    s.submit({ key: undefined, name: 'second' }); // the free slot: each finishes synchronously
    expect(ran).toEqual(['free', 'second']);
    gate.resolve();
    await s.idle();
    expect(ran).toEqual(['free', 'second', 'k2']);
    expect(s.isIdle).toBe(true);
  });

  it('an adopted item with all slots taken makes later items wait', async () => {
    const ran: string[] = [];
    type Item = { name: string };
    const s = new KeyedScheduler<Item>(
      1,
      (i) => void ran.push(i.name),
      () => undefined,
    );
    const gate = deferred();
    s.adopt({ name: 'adopted' }, gate.promise);
    s.submit({ name: 'next' });
    await tick();
    expect(ran).toEqual([]);
    gate.resolve();
    await s.idle();
    expect(ran).toEqual(['next']);
  });
});

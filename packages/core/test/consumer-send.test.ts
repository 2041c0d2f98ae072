/**
 * ctx.send (consume-transform-produce): outputs are published only when the handler succeeds,
 * before the ack; receivers that commit outputs with their input (`stage`, Kafka transactions)
 * take them instead, and the idempotent consumer records such an event only once its outputs
 * are committed.
 */
import { connect } from '../src/api/connect.js';
import { Broker } from '../src/api/broker.js';
import type { Subscription } from '../src/api/subscription.js';
import type { ReceivedMessage, StagedOutput } from '../src/driver/types.js';
import { EventTooLargeError } from '../src/errors/errors.js';
import type { Event } from '../src/event/types.js';
import { MemoryIdempotencyStore, idempotencyKey } from '../src/idempotency/store.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import '@eventport/memory';
import {
  FakeDriver,
  FakeReceiver,
  RecordingLogger,
  deferred,
  fakeCapabilities,
  message,
  uniqueName,
  waitFor,
  type Deferred,
} from './helpers/fakes.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

async function memory(): Promise<Broker> {
  const b = await connect(`memory://${uniqueName('send')}`, {
    logger: new RecordingLogger(),
    tracing: false,
  });
  closers.push(() => b.close());
  return b;
}

async function collect(b: Broker, topic: string): Promise<Event[]> {
  const out: Event[] = [];
  const sub = await b
    .consumer(topic, { group: 'reader', from: 'earliest' })
    .subscribe((e) => void out.push(e));
  closers.push(() => sub.close({ drainTimeoutMs: 0 }));
  return out;
}

describe('ctx.send on a broker without transactions (memory)', () => {
  it('publishes the outputs of the successful attempt only, before the ack', async () => {
    const b = await memory();
    const outputs = await collect(b, 'invoices');
    let attempts = 0;
    const sub = await b
      .consumer('orders', {
        group: 'billing',
        from: 'earliest',
        retry: { attempts: 3, backoff: 'fixed', initialDelayMs: 1 },
      })
      .subscribe(async (e, ctx) => {
        attempts++;
        await ctx.send('invoices', {
          source: '/billing',
          type: 'invoice',
          data: { order: e.id, attempt: ctx.attempt },
        });
        if (ctx.attempt === 1) throw new Error('first attempt fails after sending');
      });
    closers.push(() => sub.close({ drainTimeoutMs: 0 }));
    await b.producer('orders').send({ id: 'o1', source: '/shop', type: 'order' });
    await waitFor(() => outputs.length >= 1, 'the invoice');
    await new Promise((r) => setTimeout(r, 100));
    expect(attempts).toBe(2);
    expect(outputs.map((e) => e.data)).toEqual([{ order: 'o1', attempt: 2 }]);
  });

  it('drops the outputs of a handler that ends in the dead-letter topic', async () => {
    const b = await memory();
    const outputs = await collect(b, 'out');
    const dlq = await collect(b, 'in.dlq');
    const sub = await b
      .consumer('in', {
        group: 'g',
        from: 'earliest',
        retry: { attempts: 2, backoff: 'fixed', initialDelayMs: 1 },
      })
      .subscribe(async (_e, ctx) => {
        await ctx.send('out', { source: '/x', type: 'never' });
        throw new Error('always');
      });
    closers.push(() => sub.close({ drainTimeoutMs: 0 }));
    await b.producer('in').send({ source: '/x', type: 'poison' });
    await waitFor(() => dlq.length >= 1, 'the dead-lettered event');
    await new Promise((r) => setTimeout(r, 100));
    expect(outputs).toEqual([]);
  });

  it('validates outputs when they are sent, and an explicit ack publishes them first', async () => {
    const b = await memory();
    const outputs = await collect(b, 'out2');
    const errors: unknown[] = [];
    const sub = await b.consumer('in2', { group: 'g', from: 'earliest' }).subscribe(async (_e, ctx) => {
      await ctx
        .send('out2', { source: '/x', type: 'big', data: 'x'.repeat(2 * 1024 * 1024) })
        .catch((err: unknown) => errors.push(err));
      await ctx.send('out2', [{ source: '/x', type: 'ok' }]);
      await ctx.ack();
    });
    closers.push(() => sub.close({ drainTimeoutMs: 0 }));
    await b.producer('in2').send({ source: '/x', type: 'go' });
    await waitFor(() => outputs.length >= 1, 'the output');
    expect(errors[0]).toBeInstanceOf(EventTooLargeError);
    expect(outputs.map((e) => e.type)).toEqual(['ok']);
  });
});

/** An offset receiver that stages outputs like Kafka's transactional one; tests decide when they commit. */
class StagingReceiver extends FakeReceiver {
  readonly staged: {
    message: ReceivedMessage;
    outputs: readonly StagedOutput[];
    commit: Deferred<boolean>;
  }[] = [];
  readonly stage = (m: ReceivedMessage, outputs: readonly StagedOutput[]): Promise<boolean> => {
    const commit = deferred<boolean>();
    this.staged.push({ message: m, outputs, commit });
    return commit.promise;
  };
}

describe('ctx.send on a receiver that commits outputs with its input (stage)', () => {
  function setup() {
    const receiver = new StagingReceiver({ settlement: 'offset' });
    const driver = new FakeDriver({
      capabilities: fakeCapabilities({
        'consume.exactly-once': { level: 'emulated', detail: 'idempotent consumer + transactions' },
      }),
      receiver: () => receiver,
    });
    const broker = new Broker(driver, NOOP_TRACING, { logger: new RecordingLogger() });
    closers.push(() => broker.close());
    return { receiver, driver, broker };
  }

  it('stages the outputs, passes the delivery mode, and records the event only once they are committed', async () => {
    const { receiver, driver, broker } = setup();
    const store = new MemoryIdempotencyStore();
    const handled: string[] = [];
    const sub: Subscription = await broker
      .consumer('orders', { delivery: 'exactly-once', idempotencyStore: store })
      .subscribe(async (e, ctx) => {
        handled.push(e.id);
        await ctx.send('invoices', { source: '/billing', type: 'invoice', data: { order: e.id } });
      });
    closers.push(() => sub.close({ drainTimeoutMs: 0 }));
    expect(driver.receiverOptions[0]!.options.delivery).toBe('exactly-once');
    const m1 = message({ id: 'e1' }, { partition: '0', offset: 0 });
    receiver.push(m1);
    await waitFor(() => receiver.staged.length === 1, 'the outputs to be staged');
    expect(receiver.staged[0]!.message).toBe(m1);
    expect(receiver.staged[0]!.outputs[0]!.topic).toBe('invoices');
    expect(receiver.staged[0]!.outputs[0]!.events[0]!.data).toEqual({ order: 'e1' });
    await waitFor(() => receiver.commits.length === 1, 'the offset commit');
    expect(await store.has(idempotencyKey(m1.event))).toBe(false); // not before the transaction commits
    // a copy of the same event while its transaction is pending is skipped
    receiver.push(message({ id: 'e1' }, { partition: '1', offset: 0 }));
    await waitFor(() => sub.stats.duplicatesSkipped === 1, 'the copy to be skipped');
    receiver.staged[0]!.commit.resolve(true);
    await waitFor(() => store.has(idempotencyKey(m1.event)) === true, 'the idempotency record');
    expect(handled).toEqual(['e1']);
  });

  it('does not record an event whose staged outputs were dropped', async () => {
    const { receiver, broker } = setup();
    const store = new MemoryIdempotencyStore();
    const sub = await broker
      .consumer('orders', { delivery: 'exactly-once', idempotencyStore: store })
      .subscribe(async (e, ctx) => ctx.send('out', { source: '/x', type: 'y', data: e.id }));
    closers.push(() => sub.close({ drainTimeoutMs: 0 }));
    const m = message({ id: 'e2' }, { partition: '0', offset: 0 });
    receiver.push(m);
    await waitFor(() => receiver.staged.length === 1, 'staging');
    receiver.staged[0]!.commit.resolve(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(await store.has(idempotencyKey(m.event))).toBe(false);
  });
});

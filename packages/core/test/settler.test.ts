import { Broker } from '../src/api/broker.js';
import { TrackedDelivery } from '../src/portable/tracked-delivery.js';
import { ACK_BATCH_MAX, Settler, type SettlerOptions } from '../src/portable/settler.js';
import { DEAD_LETTER_ATTEMPTS, DEAD_LETTER_REASON } from '../src/portable/dead-letter-event.js';
import { BrokerUnavailableError } from '../src/errors/errors.js';
import { NOOP_TRACING } from '../src/tracing/otel.js';
import { FakeDriver, FakeReceiver, RecordingLogger, message, tick } from './helpers/fakes.js';

function settler(receiver: FakeReceiver, opts: Partial<SettlerOptions> = {}, driver = new FakeDriver()) {
  const logger = new RecordingLogger();
  const broker = new Broker(driver, NOOP_TRACING, { logger });
  const s = new Settler(receiver, {
    topic: 'orders',
    deadLetter: 'orders.dlq',
    nativeDeadLetter: false,
    openDeadLetterProducer: (t) => broker.producer(t, { retry: { attempts: 1 } }),
    logger,
    ...opts,
  });
  return { s, logger, driver };
}

function offsetRecs(
  receiver: FakeReceiver,
  s: Settler,
  partition: string,
  offsets: number[],
): TrackedDelivery[] {
  return offsets.map((offset) => {
    const rec = new TrackedDelivery(message({}, { partition, offset }));
    s.track(rec);
    return rec;
  });
}

describe('Settler on an offset-settled receiver (log brokers)', () => {
  it('commits only past the contiguous settled prefix when completions arrive out of order', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    const { s } = settler(r);
    const p0 = offsetRecs(r, s, '0', [5, 6, 7, 8, 9]);
    const p1 = offsetRecs(r, s, '1', [0, 1]);
    await s.ack(p0[2]!); // 7
    await s.ack(p0[1]!); // 6
    expect(r.commits).toEqual([]);
    await s.ack(p1[1]!);
    expect(r.commits).toEqual([]);
    await s.ack(p0[0]!); // 5 → 8
    expect(r.commits).toEqual([{ partition: '0', offset: 8 }]);
    await s.ack(p0[4]!); // 9: 8 still open
    await s.ack(p1[0]!); // partition 1 → 2
    await s.ack(p0[3]!); // 8 → 10
    await s.flush();
    expect(r.commits).toEqual([
      { partition: '0', offset: 8 },
      { partition: '1', offset: 2 },
      { partition: '0', offset: 10 },
    ]);
    // acking twice is a no-op
    await s.ack(p0[3]!);
    expect(r.commits).toHaveLength(3);
    expect(r.acked).toEqual([]);
  });

  it('a released (unfinished) offset is never committed past', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    const { s } = settler(r);
    const recs = offsetRecs(r, s, '0', [0, 1, 2]);
    await s.ack(recs[0]!);
    await s.release(recs[1]!);
    expect(recs[1]!.settled).toBe(true);
    await s.ack(recs[2]!);
    await s.flush();
    expect(r.commits).toEqual([{ partition: '0', offset: 1 }]);
    expect(r.nacks).toEqual([]);
  });

  it('messages without coordinates, or receivers without commit, settle without committing', async () => {
    const r = new FakeReceiver({ settlement: 'offset', commit: false });
    const { s } = settler(r);
    const [rec] = offsetRecs(r, s, '0', [0]);
    await s.ack(rec!);
    const bare = new TrackedDelivery(message());
    s.track(bare);
    await s.ack(bare);
    expect(bare.settled).toBe(true);
    expect(r.commits).toEqual([]);
  });

  it('coalesces the commits of one synchronous run into one call per partition, before the next turn', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    const { s } = settler(r);
    const p0 = offsetRecs(r, s, '0', [0, 1, 2, 3]);
    const p1 = offsetRecs(r, s, '1', [7, 8]);
    const acks = [p0[0]!, p0[1]!, p1[0]!, p0[3]!, p1[1]!].map((rec) => s.ack(rec));
    expect(r.commits).toEqual([]); // not yet: still in the same synchronous run
    await Promise.resolve();
    expect(r.commits).toEqual([
      { partition: '0', offset: 2 },
      { partition: '1', offset: 9 },
    ]);
    await Promise.all(acks);
    await s.ack(p0[2]!); // 2 → past 3
    expect(r.commits).toEqual([
      { partition: '0', offset: 2 },
      { partition: '1', offset: 9 },
      { partition: '0', offset: 4 },
    ]);
  });

  it('a failing commit is logged, not thrown (the broker will redeliver)', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    r.commit = () => Promise.reject(new BrokerUnavailableError('commit failed: password=hunter2'));
    const { s, logger } = settler(r);
    const [rec] = offsetRecs(r, s, '0', [0]);
    await expect(s.ack(rec!)).resolves.toBeUndefined();
    await s.flush();
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'warn', message: 'commit failed; the event will be redelivered' }),
    ]);
  });
});

describe('Settler on a per-message receiver (queues)', () => {
  it('batches acks made in the same turn into one ack call', async () => {
    const r = new FakeReceiver();
    const { s } = settler(r);
    const recs = [1, 2, 3].map(() => new TrackedDelivery(message()));
    await Promise.all(recs.map((rec) => s.ack(rec)));
    const later = new TrackedDelivery(message());
    await s.ack(later);
    expect(r.ackCalls).toEqual([3, 1]);
    expect(r.acked.map((m) => m.handle)).toEqual([...recs, later].map((x) => x.message.handle));
  });

  it('acks made without ever yielding to the event loop are passed on in bounded batches', async () => {
    // A pipeline that only runs microtasks (producer and consumer in one process) never reaches
    // setImmediate: without a size bound the acks, and the broker's leases, pile up until it ends.
    const r = new FakeReceiver();
    const { s } = settler(r);
    const recs = Array.from({ length: 3 * ACK_BATCH_MAX + 5 }, () => new TrackedDelivery(message()));
    for (const rec of recs) void s.ack(rec);
    await Promise.resolve(); // microtasks only: no macrotask has run
    expect(r.ackCalls).toEqual([ACK_BATCH_MAX, ACK_BATCH_MAX, ACK_BATCH_MAX]);
    await s.flush();
    expect(r.ackCalls).toEqual([ACK_BATCH_MAX, ACK_BATCH_MAX, ACK_BATCH_MAX, 5]);
    expect(r.acked.map((m) => m.handle)).toEqual(recs.map((x) => x.message.handle));
  });

  it("release of a delivery no handler ran on uses the receiver's release (not an attempt); a handled one is nacked", async () => {
    const r = new FakeReceiver();
    const released: unknown[] = [];
    (r as { release?: (m: unknown) => Promise<void> }).release = async (m) => void released.push(m);
    const { s } = settler(r);
    const queued = new TrackedDelivery(message());
    const ran = new TrackedDelivery(message());
    ran.handled = true;
    await s.release(queued);
    await s.release(queued);
    await s.release(ran);
    expect(released).toEqual([queued.message]);
    expect(r.nacks.map((n) => [n.message, n.delayMs])).toEqual([[ran.message, 0]]);
  });

  it('nack and release go to the native nack; the first settlement wins', async () => {
    const r = new FakeReceiver();
    const { s } = settler(r);
    const a = new TrackedDelivery(message());
    await s.nack(a, 250);
    await s.ack(a);
    await s.nack(a, 1);
    const b = new TrackedDelivery(message());
    await s.release(b);
    await s.release(b);
    expect(r.nacks.map((n) => [n.message, n.delayMs])).toEqual([
      [a.message, 250],
      [b.message, 0],
    ]);
    expect(r.acked).toEqual([]);
  });

  it('nack on a receiver without nack only marks the message settled', async () => {
    const r = new FakeReceiver({ settlement: 'per-message', nack: false });
    const { s } = settler(r);
    const rec = new TrackedDelivery(message());
    await s.nack(rec, 10);
    expect(rec.settled).toBe(true);
  });
});

describe('Settler dead-lettering', () => {
  it('native: hands the message to the receiver with the reason', async () => {
    const r = new FakeReceiver({ deadLetter: true });
    const { s, driver } = settler(r, { nativeDeadLetter: true });
    const rec = new TrackedDelivery(message());
    await s.deadLetter(rec, 'poison');
    await s.deadLetter(rec, 'again');
    expect(r.deadLettered).toEqual([{ message: rec.message, reason: 'poison' }]);
    expect(driver.senders.size).toBe(0);
  });

  it('emulated: produces the event with reason and attempts to the DLQ topic, then acks', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    const { s, driver } = settler(r);
    const [rec] = offsetRecs(r, s, '0', [0]);
    const original = rec!.message.event;
    await s.deadLetter(rec!, 'handler failed: token=abc');
    await s.flush();
    const dlq = driver.sender('orders.dlq');
    expect(dlq.sent).toHaveLength(1);
    const dl = dlq.sent[0]!;
    expect(dl).toMatchObject({
      id: original.id,
      source: original.source,
      type: original.type,
      time: original.time,
    });
    expect(dl.extensions[DEAD_LETTER_REASON]).toBe('handler failed: token=***');
    expect(dl.extensions[DEAD_LETTER_ATTEMPTS]).toBe(1);
    expect(r.commits).toEqual([{ partition: '0', offset: 1 }]);
    expect(dlq.closed).toBe(true); // flush closes the dead-letter producer
  });

  it('emulated: when the DLQ send fails, the message is not settled (nothing is lost)', async () => {
    const r = new FakeReceiver({ settlement: 'offset' });
    const driver = new FakeDriver();
    driver.sender('orders.dlq').steps = [new Error('dlq down')];
    const { s } = settler(r, {}, driver);
    const [rec] = offsetRecs(r, s, '0', [0]);
    await expect(s.deadLetter(rec!, 'x')).rejects.toThrow('dlq down');
    expect(rec!.settled).toBe(false);
    expect(r.commits).toEqual([]);
  });

  it('deadLetter: false drops the event with an error log and acks it', async () => {
    const r = new FakeReceiver();
    const { s, logger, driver } = settler(r, { deadLetter: false });
    const rec = new TrackedDelivery(message());
    await s.deadLetter(rec, 'bad');
    await tick();
    expect(r.acked).toEqual([rec.message]);
    expect(driver.senders.size).toBe(0);
    expect(logger.entries[0]).toMatchObject({
      level: 'error',
      message: expect.stringContaining('dead-lettering is off'),
    });
  });
});

import type { ReceivedMessage } from '@eventport/core/driver';
import { TrackedDelivery } from '../../core/src/portable/tracked-delivery';
import { LeaseKeeper } from '../../core/src/portable/lease-keeper';
import { AttemptLedger, SqsReceiver } from '../src/receiver';
import { FifoModel } from './fifo-model';

/**
 * The receiver's FIFO logic against the FIFO model (packages/sqs/test/fifo-model.ts),
 * which enforces what real SQS FIFO does and the emulators do not: expired receipt
 * handles fail, a group stays locked while any of its messages is in flight.
 * Fake timers drive both; setImmediate (the request coalescer) stays real.
 */

const QUEUE = { url: 'http://model/000000000000/q.fifo', name: 'q.fifo' };

function receiver(model: FifoModel, leaseMs: number, ledger = new AttemptLedger()): SqsReceiver {
  return new SqsReceiver(model.client, {
    queue: QUEUE,
    fifo: true,
    holdBackGroups: true,
    leaseMs,
    waitTimeSeconds: 1,
    concurrency: 1,
    maxMessageBytes: 1 << 20,
    deadLetter: undefined,
    ledger,
  });
}

const body = (m: ReceivedMessage): string => String(m.event.data);

/** Advances fake time in small steps (so real setImmediate callbacks run in between) until `done`. */
async function runUntil(done: () => boolean, maxMs: number): Promise<void> {
  for (let t = 0; t < maxMs && !done(); t += 100) await jest.advanceTimersByTimeAsync(100);
}

/** Awaits `p` while advancing fake time. */
async function settled<T>(p: Promise<T>, maxMs = 5_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await runUntil(() => done, maxMs);
  return p;
}

interface Handled {
  readonly body: string;
  readonly attempt: number;
}

/**
 * The portable consumer's contract, reduced to what matters here: receive, watch
 * each delivery's lease with the engine's own LeaseKeeper, run the handler
 * (`handle` returns its duration and whether it fails), then ack or nack.
 */
function engine(
  r: SqsReceiver,
  leaseMs: number,
  handle: (body: string, attempt: number) => { ms: number; fail?: boolean },
  keepLeases = true,
) {
  const inFlight = new Set<TrackedDelivery>();
  const keeper = new LeaseKeeper(
    leaseMs,
    inFlight,
    (rec, ms) => r.extendLease(rec.message, ms),
    () => undefined,
  );
  const handled: Handled[] = [];
  const settleErrors: unknown[] = [];
  const stop = new AbortController();
  const pump = (async () => {
    while (!stop.signal.aborted) {
      const batch = await r.receive(10, stop.signal).catch(() => []);
      const now = Date.now();
      for (const m of batch) {
        const rec = new TrackedDelivery(m);
        inFlight.add(rec);
        if (keepLeases) keeper.watch(rec, now);
        handled.push({ body: body(m), attempt: m.deliveryCount });
        const { ms, fail } = handle(body(m), m.deliveryCount);
        setTimeout(() => {
          rec.settled = true;
          inFlight.delete(rec);
          const op = fail ? r.nack(m, 100) : r.ack([m]);
          op.catch((err: unknown) => settleErrors.push(err));
        }, ms);
      }
    }
  })();
  return {
    handled,
    settleErrors,
    async stop() {
      stop.abort();
      keeper.stop();
      await pump;
    },
  };
}

beforeEach(() => {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('SqsReceiver on the SQS FIFO model', () => {
  test('a held-back message is handed over with its real deadline, and the lease keeper renews it in time', async () => {
    const model = new FifoModel();
    model.put('g', ['0', '1', '2']);
    const r = receiver(model, 6_000);
    // Handlers shorter than their lease (3.9 s of 6 s). '1' waits in the receiver while '0' runs
    // and is handed over with about 2 s of visibility left.
    const e = engine(r, 6_000, () => ({ ms: 3_900 }));
    await runUntil(() => model.remaining().length === 0, 30_000);
    await settled(e.stop());
    await settled(r.close());
    expect(e.handled.map((h) => h.body)).toEqual(['0', '1', '2']);
    expect(e.settleErrors).toEqual([]);
    expect(model.remaining()).toEqual([]);
  });

  test('a held-back message is handed over with a deadline by which a renewal, as slow as the recent ones, still lands in time', async () => {
    const model = new FifoModel();
    model.put('g', ['0', '1']);
    // A busy broker (traced on moto, issue 16): visibility changes take 400 ms to apply, but the
    // heartbeat renewal of the held '1' happened to be quick (30 ms). Told the deadline that
    // renewal confirmed, the lease keeper may send its renewal a sixth of the lease before it;
    // taking 400 ms again, it would land after the visibility ended: '1' received again.
    const t0 = Date.now();
    let quick = false;
    model.latency = (op) => (op !== 'ChangeMessageVisibilityBatch' ? 0 : quick ? 30 : 400);
    const r = receiver(model, 2_000);
    const stop = new AbortController();
    const [m0] = await settled(r.receive(10, stop.signal)); // '1' is held back
    await settled(r.extendLease(m0!, 2_000)); // a change of 400 ms
    quick = true;
    await runUntil(() => model.log.some((o) => o.op === 'ChangeVisibility' && o.at > t0 + 500), 3_000);
    quick = false; // the heartbeat renewed '1' quickly; the next change will be slow again
    await settled(r.ack([m0!]));
    const [m1] = await settled(r.receive(10, stop.signal));
    expect(m1 && body(m1)).toBe('1');
    const visibleUntil = model.messages[1]!.visibleAt;
    expect(m1!.leaseUntil! + 400).toBeLessThanOrEqual(visibleUntil);
    await settled(r.ack([m1!]));
    await settled(r.close());
    expect(model.messages.map((m) => m.receiveCount)).toEqual([1, 1]);
  });

  test('visibility changes of one message are applied in the order asked: an earlier renewal never shortens a later extension', async () => {
    const model = new FifoModel();
    model.put('g', ['0']);
    // A 2 s renewal takes 300 ms to apply, a 4 s extension is quick: sent concurrently (two
    // requests), the earlier renewal would land last and cut the visibility back to 2 s.
    model.latency = (op, input) => {
      if (op !== 'ChangeMessageVisibilityBatch') return 0;
      const entries = (input as { Entries: { VisibilityTimeout: number }[] }).Entries;
      return entries.every((x) => x.VisibilityTimeout === 2) ? 300 : 0;
    };
    const r = receiver(model, 2_000);
    const stop = new AbortController();
    const [m] = await settled(r.receive(10, stop.signal));
    const renewal = r.extendLease(m!, 2_000); // the lease keeper's renewal
    await new Promise<void>((resolve) => setImmediate(resolve)); // the handler, a turn later
    const asked = Date.now();
    const extension = r.extendLease(m!, 4_000);
    await settled(Promise.all([renewal, extension]));
    expect(model.messages[0]!.visibleAt).toBeGreaterThanOrEqual(asked + 4_000);
    await settled(r.ack([m!]));
    await settled(r.close());
    expect(model.remaining()).toEqual([]);
  });

  test('a renewal asked after a longer extension does not cut it short', async () => {
    const model = new FifoModel();
    model.put('g', ['0']);
    const r = receiver(model, 2_000);
    const stop = new AbortController();
    const [m] = await settled(r.receive(10, stop.signal));
    // Traced on moto (issue 16, lease-from-hand-off): the handler extends to 4 s at hand-off, and
    // the lease keeper's renewal (2 s), asked right after, was applied after it: 2 s from then.
    const asked = Date.now();
    const extension = r.extendLease(m!, 4_000);
    const renewal = r.extendLease(m!, 2_000);
    await settled(Promise.all([extension, renewal]));
    expect(model.messages[0]!.visibleAt).toBeGreaterThanOrEqual(asked + 4_000);
    await settled(r.ack([m!]));
    await settled(r.close());
    expect(model.remaining()).toEqual([]);
  });

  test('an extension that reaches SQS after the message was acked is no failure: nothing is left to extend', async () => {
    const model = new FifoModel();
    model.put('g', ['0']);
    // The extension's request is slow (a busy broker); the handler acks right after asking for it,
    // so the delete is applied first and the extension's receipt handle is gone.
    model.latency = (op) => (op === 'ChangeMessageVisibilityBatch' ? 300 : 0);
    const r = receiver(model, 2_000);
    const stop = new AbortController();
    const [m] = await settled(r.receive(10, stop.signal));
    const extension = r.extendLease(m!, 2_000);
    const ack = r.ack([m!]);
    await expect(settled(Promise.all([extension, ack]))).resolves.toEqual([undefined, undefined]);
    expect(model.log.find((o) => o.op === 'ChangeVisibility')?.entries).toEqual([
      { id: 'm0', ok: false, code: 'ReceiptHandleIsInvalid' },
    ]);
    await settled(r.close());
    expect(model.remaining()).toEqual([]);
  });

  test('an extension of a message still out that SQS rejects fails', async () => {
    const model = new FifoModel();
    model.put('g', ['0']);
    const r = receiver(model, 2_000);
    const stop = new AbortController();
    const [m] = await settled(r.receive(10, stop.signal));
    await jest.advanceTimersByTimeAsync(2_500); // its visibility ran out: the handle is gone
    await expect(settled(r.extendLease(m!, 2_000))).rejects.toThrow(/ReceiptHandleIsInvalid/);
    await settled(r.close());
  });

  test('failed visibility renewals are retried, not counted: held messages keep their place', async () => {
    const model = new FifoModel();
    model.put('g', ['0', '1', '2']);
    let failures = 0;
    const t0 = Date.now();
    model.faults = (op) => {
      // the first renewal round fails for good (every try of every request)
      const t = Date.now() - t0;
      if (op !== 'ChangeMessageVisibilityBatch' || t < 3_000 || t > 4_500) return undefined;
      failures++;
      return Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    };
    const r = receiver(model, 6_000);
    const e = engine(r, 6_000, (b) => ({ ms: b === '0' ? 9_000 : 500 }));
    await runUntil(() => model.remaining().length === 0, 40_000);
    await settled(e.stop());
    await settled(r.close());
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(e.handled.map((h) => h.body)).toEqual(['0', '1', '2']);
    expect(e.settleErrors).toEqual([]);
    // no visibility ran out: every message was received once, and every renewal with a live handle
    expect(model.messages.map((m) => m.receiveCount)).toEqual([1, 1, 1]);
    const expired = model.log.flatMap((o) => o.entries ?? []).filter((x) => !x.ok);
    expect(expired).toEqual([]);
  });

  test('a failed delete gives the group back whole: the next message is not released before it', async () => {
    const model = new FifoModel();
    model.put('g', ['0', '1', '2']);
    const r = receiver(model, 2_000);
    // No lease keeper here: the first handler outlives its 2 s visibility, so its delete fails.
    const slowFirst = new Set<string>();
    const e = engine(
      r,
      2_000,
      (b) => {
        if (b === '0' && !slowFirst.has(b)) {
          slowFirst.add(b);
          return { ms: 3_000 };
        }
        return { ms: 100 };
      },
      false,
    );
    await runUntil(() => model.remaining().length === 0, 30_000);
    await settled(e.stop());
    await settled(r.close());
    expect(e.handled.map((h) => h.body)).toEqual(['0', '0', '1', '2']);
    expect(e.settleErrors).toHaveLength(1); // the expired delete is reported, not taken for success
    expect(model.remaining()).toEqual([]);
  });

  test('attempts count handler attempts: a failed first attempt gives [1, 2] for every event of a group', async () => {
    const model = new FifoModel();
    const bodies = Array.from({ length: 6 }, (_, i) => String(i));
    model.put('g', bodies);
    const r = receiver(model, 5_000);
    const e = engine(r, 5_000, (_b, attempt) => ({ ms: 50, fail: attempt === 1 }));
    await runUntil(() => model.remaining().length === 0, 60_000);
    await settled(e.stop());
    await settled(r.close());
    for (const b of bodies) {
      expect([b, e.handled.filter((h) => h.body === b).map((h) => h.attempt)]).toEqual([b, [1, 2]]);
    }
    expect(e.handled.map((h) => h.body)).toEqual(bodies.flatMap((b) => [b, b]));
    // SQS's own count (what RedrivePolicy.maxReceiveCount compares) never ran ahead of the handler's
    expect(Math.max(...model.messages.map((m) => m.receiveCount))).toBeLessThanOrEqual(2);
  });

  test('messages given back unhandled at close do not count as attempts', async () => {
    const model = new FifoModel();
    model.put('g', ['0', '1', '2']);
    const ledger = new AttemptLedger();
    const a = receiver(model, 5_000, ledger);
    const stop = new AbortController();
    const [m0] = await settled(a.receive(10, stop.signal));
    expect(m0 && body(m0)).toBe('0');
    await settled(a.ack([m0!])); // '1' is released to the buffer, '2' still held: neither reaches a handler
    await settled(a.close());

    const b = receiver(model, 5_000, ledger);
    const seen: Handled[] = [];
    for (let i = 0; i < 2; i++) {
      for (const m of await settled(b.receive(10, stop.signal))) {
        seen.push({ body: body(m), attempt: m.deliveryCount });
        await settled(b.ack([m]));
      }
    }
    await settled(b.close());
    expect(seen).toEqual([
      { body: '1', attempt: 1 },
      { body: '2', attempt: 1 },
    ]);
  });
});

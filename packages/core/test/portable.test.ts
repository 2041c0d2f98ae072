import { DEFAULT_RETRY, backoffDelay, resolveRetry, type RetryPolicy } from '../src/portable/backoff.js';
import { CommitTracker } from '../src/portable/commit-tracker.js';
import { Deque } from '../src/portable/deque.js';
import { KeyedScheduler } from '../src/portable/keyed-scheduler.js';
import { LeaseKeeper } from '../src/portable/lease-keeper.js';
import { sleep } from '../src/portable/sleep.js';
import {
  withDeadLetterInfo,
  DEAD_LETTER_ATTEMPTS,
  DEAD_LETTER_REASON,
} from '../src/portable/dead-letter-event.js';
import { TrackedDelivery, type DeliveryShared } from '../src/portable/tracked-delivery.js';
import { createEvent } from '../src/event/create-event.js';
import { deferred, message, type Deferred } from './helpers/fakes.js';

describe('backoffDelay', () => {
  const policy = (p: Partial<RetryPolicy> = {}): RetryPolicy =>
    resolveRetry({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, ...p });

  it('doubles from the initial delay and caps at maxDelayMs (no jitter when random = 0)', () => {
    const p = policy();
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(p, a, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(p, 0, () => 0)).toBe(100);
  });

  it('jitter removes up to `jitter` of the delay', () => {
    const p = policy();
    expect(backoffDelay(p, 1, () => 1)).toBe(50);
    expect(backoffDelay(p, 2, () => 0.5)).toBe(150);
    expect(backoffDelay(p, 3, () => 0.999)).toBe(200);
    expect(backoffDelay(policy({ jitter: 0 }), 3, () => 0.7)).toBe(400);
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(p, 3);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('fixed backoff keeps the initial delay', () => {
    const p = policy({ backoff: 'fixed', initialDelayMs: 250 });
    expect([1, 2, 10].map((a) => backoffDelay(p, a, () => 0))).toEqual([250, 250, 250]);
  });

  it('resolveRetry fills defaults, ignores undefined and freezes', () => {
    expect(resolveRetry(undefined)).toEqual(DEFAULT_RETRY);
    const r = resolveRetry({ attempts: 3, backoff: undefined });
    expect(r).toEqual({ ...DEFAULT_RETRY, attempts: 3 });
    expect(Object.isFrozen(r)).toBe(true);
  });
});

describe('sleep', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves true after the delay, false when aborted early', async () => {
    jest.useFakeTimers();
    let done: boolean | undefined;
    void sleep(1000).then((v) => (done = v));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);

    const ac = new AbortController();
    let aborted: boolean | undefined;
    void sleep(1000, ac.signal).then((v) => (aborted = v));
    await jest.advanceTimersByTimeAsync(10);
    ac.abort();
    await jest.advanceTimersByTimeAsync(0);
    expect(aborted).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
    await expect(sleep(1000, ac.signal)).resolves.toBe(false);
  });
});

describe('Deque', () => {
  it('is FIFO across compaction', () => {
    const d = new Deque<number>();
    expect(d.shift()).toBeUndefined();
    expect(d.peek()).toBeUndefined();
    for (let i = 0; i < 5000; i++) d.push(i);
    for (let i = 0; i < 3000; i++) expect(d.shift()).toBe(i);
    expect(d.length).toBe(2000);
    expect(d.peek()).toBe(3000);
    d.push(5000);
    const rest = d.clear();
    expect(rest).toHaveLength(2001);
    expect(rest[0]).toBe(3000);
    expect(rest[2000]).toBe(5000);
    expect(d.length).toBe(0);
  });
});

describe('KeyedScheduler', () => {
  /** A scheduler whose items are keyed tasks; `submit(key, task)` for readability. */
  type Item = { key: string | undefined; task: () => Promise<void> | undefined };
  const newScheduler = (concurrency: number) => {
    const s = new KeyedScheduler<Item>(
      concurrency,
      (i) => i.task(),
      (i) => i.key,
    );
    return {
      submit: (key: string | undefined, task: () => Promise<void> | undefined) => s.submit({ key, task }),
      idle: () => s.idle(),
      get size() {
        return s.size;
      },
    };
  };

  it('runs synchronous tasks back to back without waiting a turn', () => {
    const ran: number[] = [];
    const s = new KeyedScheduler<number>(
      2,
      (n) => {
        ran.push(n);
        return undefined;
      },
      (n) => (n % 2 === 0 ? 'even' : undefined),
    );
    for (let i = 0; i < 5; i++) s.submit(i);
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    expect(s.size).toBe(0);
  });

  /** Submits a task that records its start and waits for the test to finish it. */
  function harness(concurrency: number) {
    const s = newScheduler(concurrency);
    const started: string[] = [];
    const gates = new Map<string, Deferred<void>>();
    let running = 0;
    let maxRunning = 0;
    const submit = (key: string | undefined, name: string): void => {
      const gate = deferred();
      gates.set(name, gate);
      s.submit(key, async () => {
        started.push(name);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
      });
    };
    const finish = async (name: string): Promise<void> => {
      gates.get(name)!.resolve();
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    return { s, started, submit, finish, max: () => maxRunning };
  }

  it('runs same-key tasks one at a time in submission order while other keys run in parallel', async () => {
    const h = harness(4);
    h.submit('a', 'a1');
    h.submit('a', 'a2');
    h.submit('b', 'b1');
    h.submit('a', 'a3');
    h.submit(undefined, 'n1');
    h.submit(undefined, 'n2');
    expect(h.started).toEqual(['a1', 'b1', 'n1', 'n2']);
    expect(h.s.size).toBe(6);
    await h.finish('b1');
    expect(h.started).toHaveLength(4); // a2 still waits for a1
    await h.finish('a1');
    expect(h.started).toEqual(['a1', 'b1', 'n1', 'n2', 'a2']);
    await h.finish('a2');
    expect(h.started.at(-1)).toBe('a3');
    for (const n of ['a3', 'n1', 'n2']) await h.finish(n);
    expect(h.s.size).toBe(0);
    await expect(h.s.idle()).resolves.toBeUndefined();
  });

  it('never exceeds its concurrency and starts queued tasks as slots free up', async () => {
    const h = harness(2);
    for (let i = 0; i < 6; i++) h.submit(`k${i}`, `t${i}`);
    expect(h.started).toEqual(['t0', 't1']);
    await h.finish('t1');
    expect(h.started).toEqual(['t0', 't1', 't2']);
    const idle = h.s.idle();
    let isIdle = false;
    void idle.then(() => (isIdle = true));
    for (const t of ['t0', 't2', 't3', 't4', 't5']) await h.finish(t);
    expect(h.started).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
    expect(h.max()).toBe(2);
    await idle;
    expect(isIdle).toBe(true);
  });

  it('keeps per-key order under concurrency with random completion times', async () => {
    const s = newScheduler(8);
    const seen = new Map<string, number[]>();
    const active = new Set<string>();
    let overlap = false;
    let maxParallel = 0;
    for (let i = 0; i < 300; i++) {
      const key = `k${i % 7}`;
      s.submit(key, async () => {
        if (active.has(key)) overlap = true;
        active.add(key);
        maxParallel = Math.max(maxParallel, active.size);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
        seen.set(key, [...(seen.get(key) ?? []), i]);
        active.delete(key);
      });
    }
    await s.idle();
    expect(overlap).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    for (const [, list] of seen) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect([...seen.values()].flat()).toHaveLength(300);
  });

  it('moves on after a task rejects or throws synchronously', async () => {
    const s = newScheduler(1);
    const ran: string[] = [];
    s.submit('k', () => Promise.reject(new Error('boom')));
    s.submit('k', () => {
      throw new Error('sync boom');
    });
    s.submit('k', async () => {
      ran.push('third');
    });
    await s.idle();
    expect(ran).toEqual(['third']);
  });
});

describe('CommitTracker', () => {
  it('commits only the contiguous settled prefix under out-of-order completion', () => {
    const t = new CommitTracker();
    for (let o = 10; o < 15; o++) t.track('p0', o);
    expect(t.unsettled('p0')).toBe(5);
    expect(t.settle('p0', 12)).toBeUndefined();
    expect(t.settle('p0', 11)).toBeUndefined();
    expect(t.committed('p0')).toBeUndefined();
    expect(t.settle('p0', 10)).toBe(13);
    expect(t.committed('p0')).toBe(13);
    expect(t.settle('p0', 14)).toBeUndefined();
    expect(t.settle('p0', 13)).toBe(15);
    expect(t.unsettled('p0')).toBe(0);
  });

  it('keeps partitions independent and ignores untracked or repeated settles', () => {
    const t = new CommitTracker();
    t.track('a', 0);
    t.track('b', 0);
    t.track('a', 1);
    expect(t.settle('b', 0)).toBe(1);
    expect(t.settle('a', 1)).toBeUndefined();
    expect(t.settle('a', 1)).toBeUndefined();
    expect(t.settle('a', 99)).toBeUndefined();
    expect(t.settle('zzz', 0)).toBeUndefined();
    expect(t.settle('a', 0)).toBe(2);
    t.forget('a');
    expect(t.committed('a')).toBeUndefined();
    expect(t.unsettled('a')).toBe(0);
  });

  it('handles gaps in offsets (compacted logs) and long runs', () => {
    const t = new CommitTracker();
    const offsets = Array.from({ length: 3000 }, (_, i) => i * 2);
    for (const o of offsets) t.track('p', o);
    const shuffled = [...offsets].sort(() => Math.random() - 0.5);
    const settled = new Set<number>();
    let last = 0;
    let lowestUnsettled = 0;
    for (const o of shuffled) {
      settled.add(o);
      while (settled.has(lowestUnsettled)) lowestUnsettled += 2;
      const next = t.settle('p', o);
      if (next !== undefined) {
        expect(next).toBeGreaterThan(last);
        last = next;
      }
      // a commit never passes an unsettled offset, and reaches up to it
      expect(last).toBe(lowestUnsettled === 0 ? 0 : lowestUnsettled - 1);
    }
    expect(last).toBe(5999);
  });
});

describe('LeaseKeeper', () => {
  afterEach(() => jest.useRealTimers());

  it('extends leases that are about to end while in flight, and stops when nothing is in flight', async () => {
    jest.useFakeTimers({ now: 0 });
    const extended: number[] = [];
    const errors: unknown[] = [];
    const inFlight = new Set<TrackedDelivery>();
    const keeper = new LeaseKeeper(
      300,
      inFlight,
      (rec, ms) => {
        extended.push(Date.now());
        expect(ms).toBe(300);
        return rec.message.event.key === 'fail' ? Promise.reject(new Error('lost lease')) : Promise.resolve();
      },
      (e) => errors.push(e),
    );
    const rec = new TrackedDelivery(message());
    inFlight.add(rec);
    keeper.watch(rec, Date.now());
    expect(rec.leaseUntil).toBe(300);
    await jest.advanceTimersByTimeAsync(100); // 200 left: > half, no extension
    expect(extended).toEqual([]);
    await jest.advanceTimersByTimeAsync(100); // 100 left: extend
    expect(extended).toEqual([200]);
    expect(rec.leaseUntil).toBe(500);
    await jest.advanceTimersByTimeAsync(400);
    expect(extended).toEqual([200, 400, 600]);
    rec.settled = true;
    await jest.advanceTimersByTimeAsync(400);
    expect(extended).toHaveLength(3);
    inFlight.delete(rec);
    await jest.advanceTimersByTimeAsync(100); // the next tick sees nothing in flight and stops
    expect(jest.getTimerCount()).toBe(0);

    const failing = new TrackedDelivery(message({ key: 'fail' }));
    inFlight.add(failing);
    keeper.watch(failing, Date.now());
    await jest.advanceTimersByTimeAsync(300);
    expect(errors.length).toBeGreaterThan(0);
    keeper.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('starts from the deadline the driver reports at hand-off and renews at once when less than half is left', async () => {
    jest.useFakeTimers({ now: 0 });
    const extended: number[] = [];
    const inFlight = new Set<TrackedDelivery>();
    const keeper = new LeaseKeeper(
      600,
      inFlight,
      () => {
        extended.push(Date.now());
        return Promise.resolve();
      },
      () => undefined,
    );
    // held back by the driver: 100 ms of its lease left at hand-off
    const rec = new TrackedDelivery(message({}, { leaseUntil: 100 }));
    inFlight.add(rec);
    keeper.watch(rec, 0);
    await jest.advanceTimersByTimeAsync(0);
    expect(extended).toEqual([0]);
    expect(rec.leaseUntil).toBe(600);
    keeper.stop();
  });

  it("applies a delivery's lease changes in the order asked: a renewal sent earlier never cuts short a longer extension asked later", async () => {
    jest.useFakeTimers({ now: 0 });
    // The broker applies a change when its request arrives; the keeper's renewals are slow (300 ms), the handler's are quick.
    let brokerDeadline = 100;
    const extendLease = (_m: unknown, ms: number): Promise<void> => {
      const sent = Date.now();
      return new Promise((resolve) =>
        setTimeout(
          () => {
            brokerDeadline = sent + ms;
            resolve();
          },
          ms === 600 ? 300 : 0,
        ),
      );
    };
    const shared = { receiver: { extendLease } } as unknown as DeliveryShared;
    const inFlight = new Set<TrackedDelivery>();
    const keeper = new LeaseKeeper(
      600,
      inFlight,
      (rec, ms) => extendLease(rec.message, ms),
      () => undefined,
    );
    // held back by the driver: 100 ms left at hand-off, so the keeper renews at once
    const rec = new TrackedDelivery(message({}, { leaseUntil: 100 }), shared);
    inFlight.add(rec);
    keeper.watch(rec, 0);
    const handlerExtension = rec.extendLease(1_200); // the handler, at once
    await jest.advanceTimersByTimeAsync(400);
    await handlerExtension;
    expect(brokerDeadline).toBeGreaterThanOrEqual(1_200);
    expect(rec.leaseUntil).toBeLessThanOrEqual(brokerDeadline);
    keeper.stop();
  });

  it('counts an extension only when it succeeded and retries a failed one before the lease ends', async () => {
    jest.useFakeTimers({ now: 0 });
    const extended: number[] = [];
    let failures = 1;
    const inFlight = new Set<TrackedDelivery>();
    const keeper = new LeaseKeeper(
      1_000,
      inFlight,
      () => {
        extended.push(Date.now());
        return failures-- > 0 ? Promise.reject(new Error('throttled')) : Promise.resolve();
      },
      () => undefined,
    );
    const rec = new TrackedDelivery(message());
    inFlight.add(rec);
    keeper.watch(rec, 0);
    await jest.advanceTimersByTimeAsync(666); // 334 left: extend, and it fails
    expect(extended).toEqual([666]);
    expect(rec.leaseUntil).toBe(1_000); // not moved by the failed extension
    await jest.advanceTimersByTimeAsync(100); // retried after a short pause, long before the next tick
    expect(extended).toEqual([666, 766]);
    expect(rec.leaseUntil).toBe(1_766);
    keeper.stop();
  });
});

describe('dead-letter event', () => {
  it('keeps every original attribute and adds reason (redacted, bounded) and attempts', () => {
    const original = createEvent({
      type: 't',
      source: '/s',
      key: 'k',
      data: { a: 1 },
      extensions: { region: 'eu' },
    });
    const dl = withDeadLetterInfo(original, `failed with token=abc123 ${'x'.repeat(2000)}`, 5);
    expect(dl).toMatchObject({
      id: original.id,
      source: '/s',
      type: 't',
      key: 'k',
      data: { a: 1 },
      time: original.time,
    });
    expect(dl.extensions.region).toBe('eu');
    expect(dl.extensions[DEAD_LETTER_ATTEMPTS]).toBe(5);
    const reason = dl.extensions[DEAD_LETTER_REASON] as string;
    expect(reason.startsWith('failed with token=***')).toBe(true);
    expect(reason).toHaveLength(1024);
  });
});

import { BrokerUnavailableError, EventPortError } from '@eventport/core';
import { Coalescer } from '../src/coalescer';

describe('Coalescer', () => {
  test('gathers the items of one turn into batches of at most max', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number>(async (items) => {
      batches.push([...items]);
      return items.map(() => undefined);
    }, 10);
    await Promise.all(Array.from({ length: 25 }, (_, i) => c.add(i)));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  test('per-item errors reject only their own add', async () => {
    const c = new Coalescer<number>(async (items) =>
      items.map((i) => (i === 1 ? new Error('bad 1') : undefined)),
    );
    const results = await Promise.allSettled([c.add(0), c.add(1), c.add(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  test('retries a retryable failure of the whole request, then gives up', async () => {
    let calls = 0;
    const flaky = new Coalescer<number>(async (items) => {
      calls++;
      if (calls < 3) throw new BrokerUnavailableError('down');
      return items.map(() => undefined);
    });
    await flaky.add(1);
    expect(calls).toBe(3);
    let fatal = 0;
    const broken = new Coalescer<number>(async () => {
      fatal++;
      throw new EventPortError('AUTHORIZATION', 'denied');
    });
    await expect(broken.add(1)).rejects.toThrow('denied');
    expect(fatal).toBe(1);
  });

  test('drain waits for requests in flight', async () => {
    let done = false;
    const c = new Coalescer<number>(async (items) => {
      await new Promise((r) => setTimeout(r, 20));
      done = true;
      return items.map(() => undefined);
    });
    void c.add(1);
    await c.drain();
    expect(done).toBe(true);
  });
});

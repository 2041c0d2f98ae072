import { InflightLeases } from '../src/inflight-leases.js';

const lease = (id: number) => ({ id, live: false });

describe('InflightLeases', () => {
  it('adds, settles once, and lists what is in flight oldest first', () => {
    const list = new InflightLeases<ReturnType<typeof lease>>();
    const [a, b, c] = [lease(1), lease(2), lease(3)];
    for (const l of [a, b, c]) list.add(l);
    expect(list.size).toBe(3);
    expect(list.delete(b)).toBe(true);
    expect(list.delete(b)).toBe(false); // settled already
    expect(list.has(b)).toBe(false);
    expect(list.snapshot().map((l) => l.id)).toEqual([1, 3]);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(c)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.snapshot()).toEqual([]);
  });

  it('a lease held while many others come and go: the list keeps only what is in flight', () => {
    const list = new InflightLeases<ReturnType<typeof lease>>();
    const held = lease(0);
    list.add(held);
    for (let i = 1; i <= 100_000; i++) {
      const l = lease(i);
      list.add(l);
      list.delete(l);
    }
    const tail = lease(-1);
    list.add(tail);
    expect(list.size).toBe(2);
    expect(list.snapshot()).toEqual([held, tail]);
    // bounded: settled leases behind the held one were dropped (no more than the compaction slack)
    expect((list as unknown as { items: unknown[] }).items.length).toBeLessThan(2_000);
    expect(list.delete(held)).toBe(true);
    expect(list.snapshot()).toEqual([tail]);
  });
});

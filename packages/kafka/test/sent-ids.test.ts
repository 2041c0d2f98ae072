import { SentIds } from '../src/sender.js';

describe('SentIds (idempotent resend memory)', () => {
  it('remembers receipts for the TTL, shares in-flight sends, forgets failures', async () => {
    let now = 0;
    const ids = new SentIds(1_000, 3, () => now);
    let finish!: (r: { partition: string; offset: number } | undefined) => void;
    const inflight = new Promise<{ partition: string; offset: number } | undefined>((r) => (finish = r));
    ids.begin('a', inflight);
    expect(ids.get('a')).toBe(inflight);
    finish({ partition: '1', offset: 9 });
    ids.end('a', { partition: '1', offset: 9 });
    expect(ids.get('a')).toEqual({ partition: '1', offset: 9 });
    now = 1_001;
    expect(ids.get('a')).toBeUndefined();
    ids.begin('b', Promise.resolve(undefined));
    ids.end('b', undefined);
    expect(ids.get('b')).toBeUndefined();
  });

  it('is bounded: the oldest entries go first', () => {
    const ids = new SentIds(60_000, 2, () => 0);
    for (const k of ['a', 'b', 'c']) ids.end(k, { offset: 1 });
    expect(ids.get('a')).toBeUndefined();
    expect(ids.get('c')).toEqual({ offset: 1 });
  });
});

import { ReceivedOffsets } from '../src/received-offsets.js';

const batch = (...seqs: number[]) => seqs.map((s) => ({ sequenceNumber: s, offset: `o${s}` }));

describe('ReceivedOffsets', () => {
  it('finds the offset of every received event, in consecutive and gapped batches', () => {
    const r = new ReceivedOffsets();
    r.add(batch(10, 11, 12));
    r.add(batch(13, 15, 16)); // a gap inside a batch
    r.add(batch(20, 21)); // a gap between batches
    for (const s of [10, 11, 12, 13, 15, 16, 20, 21]) expect(r.offsetOf(s)).toBe(`o${s}`);
    for (const s of [9, 14, 17, 19, 22]) expect(r.offsetOf(s)).toBeUndefined();
  });

  it('forgets whole batches before a position, keeping the batch it falls in', () => {
    const r = new ReceivedOffsets();
    r.add(batch(0, 1, 2));
    r.add(batch(3, 4, 5));
    r.add(batch(6, 7));
    r.forgetBefore(4);
    expect(r.size).toBe(2);
    expect(r.offsetOf(2)).toBeUndefined();
    expect(r.offsetOf(3)).toBe('o3');
    expect(r.offsetOf(7)).toBe('o7');
    r.forgetBefore(8);
    expect(r.size).toBe(0);
    expect(r.offsetOf(7)).toBeUndefined();
    r.add(batch(8));
    expect(r.offsetOf(8)).toBe('o8');
  });

  it('stays correct across many batches forgotten a few at a time', () => {
    const r = new ReceivedOffsets();
    let next = 0;
    for (let b = 0; b < 500; b++) {
      r.add(batch(...Array.from({ length: 7 }, () => next++)));
      if (b % 3 === 2) r.forgetBefore(next - 10);
      if (next >= 10) expect(r.offsetOf(next - 10)).toBe(`o${next - 10}`);
      expect(r.offsetOf(next - 1)).toBe(`o${next - 1}`);
    }
    expect(r.size).toBeLessThan(10);
  });

  it('ignores an empty batch', () => {
    const r = new ReceivedOffsets();
    r.add([]);
    expect(r.size).toBe(0);
    expect(r.offsetOf(0)).toBeUndefined();
  });
});

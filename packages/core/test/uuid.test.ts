import { randomUuid } from '../src/event/uuid.js';
import { createEvent } from '../src/event/create-event.js';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('randomUuid', () => {
  it('makes version-4 UUIDs, all different, across refills of its random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const id = randomUuid();
      expect(id).toMatch(V4);
      seen.add(id);
    }
    expect(seen.size).toBe(2_000);
  });

  it('uses every hex digit in every free position (the bytes are random, not a pattern)', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++) [...randomUuid()].forEach((c, at) => digits[at]!.add(c));
    const free = [...Array(36).keys()].filter((at) => ![8, 13, 14, 18, 19, 23].includes(at));
    for (const at of free) expect([at, digits[at]!.size]).toEqual([at, 16]);
    expect([...digits[14]!]).toEqual(['4']);
    expect([...digits[19]!].sort()).toEqual(['8', '9', 'a', 'b']);
  });

  it('is the id createEvent gives an event without one', () => {
    const a = createEvent({ type: 't', source: '/s' });
    const b = createEvent({ type: 't', source: '/s' });
    expect(a.id).toMatch(V4);
    expect(a.id).not.toBe(b.id);
  });
});

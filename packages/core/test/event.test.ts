'use strict';
import { createEvent } from '../src/event/create-event.js';
import { InvalidEventError } from '../src/errors/errors.js';

const base = { type: 'order.created', source: '/shop' };

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).code).toBe('INVALID_EVENT');
    return (err as InvalidEventError).field;
  }
  throw new Error('expected InvalidEventError');
}

describe('createEvent defaults', () => {
  it('fills id (UUID), time (now) and specversion', () => {
    const before = Date.now();
    const e = createEvent(base);
    const after = Date.now();
    expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.specversion).toBe('1.0');
    const t = Date.parse(e.time!);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
    expect(e.extensions).toEqual({});
    expect(e.key).toBeUndefined();
    expect(createEvent(base).id).not.toBe(e.id);
  });

  it('keeps given attributes and converts a Date time to ISO', () => {
    const e = createEvent({
      ...base,
      id: 'abc',
      time: new Date('2024-05-06T07:08:09.010Z'),
      subject: 's',
      datacontenttype: 'application/json',
      dataschema: 'https://schema',
      key: 'k1',
      data: { a: 1 },
      extensions: { traceparent: 'x', n: 3, flag: true, skipped: undefined as unknown as string },
    });
    expect(e).toMatchObject({
      id: 'abc',
      time: '2024-05-06T07:08:09.010Z',
      subject: 's',
      datacontenttype: 'application/json',
      dataschema: 'https://schema',
      key: 'k1',
      data: { a: 1 },
    });
    expect(e.extensions).toEqual({ traceparent: 'x', n: 3, flag: true });
  });

  it('keeps an RFC 3339 string time as given', () => {
    expect(createEvent({ ...base, time: '2024-01-02T03:04:05+02:00' }).time).toBe(
      '2024-01-02T03:04:05+02:00',
    );
  });

  it('returns an event it created as is (re-sending keeps the id)', () => {
    const e = createEvent(base);
    expect(createEvent(e)).toBe(e);
    // a frozen look-alike not created here is validated and copied
    const lookalike = Object.freeze({ ...e });
    const copy = createEvent(lookalike);
    expect(copy).not.toBe(lookalike);
    expect(copy.id).toBe(e.id);
  });

  it('accepts plain data kinds', () => {
    for (const data of [null, true, 0, -1.5, 'text', [], {}, [1, 'a', null, { b: [true] }], new Date(0)]) {
      expect(createEvent({ ...base, data }).data).toEqual(data);
    }
    const nullProto = Object.create(null) as Record<string, number>;
    nullProto.x = 1;
    expect(createEvent({ ...base, data: nullProto }).data).toEqual({ x: 1 });
  });

  it('carries binary data byte for byte (including non-UTF-8 bytes)', () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xc3, 0x28]);
    const e = createEvent({ ...base, data: bytes });
    expect(e.data).toBeInstanceOf(Uint8Array);
    expect([...(e.data as Uint8Array)]).toEqual([0xff, 0x00, 0xc3, 0x28]);
    const buf = Buffer.from('abc');
    expect([...(createEvent({ ...base, data: buf }).data as Uint8Array)]).toEqual([97, 98, 99]);
  });
});

describe('events are frozen', () => {
  it('throws when mutated in strict mode', () => {
    const e = createEvent({ ...base, data: { nested: { n: 1 }, list: [1] }, extensions: { a: 'b' } });
    expect(Object.isFrozen(e)).toBe(true);
    expect(() => {
      (e as { type: string }).type = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (e.extensions as Record<string, string>).a = 'c';
    }).toThrow(TypeError);
    expect(() => {
      (e.data as { nested: { n: number } }).nested.n = 2;
    }).toThrow(TypeError);
    expect(() => {
      (e.data as { list: number[] }).list.push(2);
    }).toThrow(TypeError);
    expect(e.type).toBe('order.created');
  });
});

describe('bad input → InvalidEventError naming the field', () => {
  it.each([
    ['missing type', { source: '/s' }, 'type'],
    ['missing source', { type: 't' }, 'source'],
    ['null type', { type: null, source: '/s' }, 'type'],
    ['empty type', { type: '', source: '/s' }, 'type'],
    ['empty source', { type: 't', source: '' }, 'source'],
    ['non-string source', { type: 't', source: 5 }, 'source'],
    ['empty id', { ...base, id: '' }, 'id'],
    ['null id', { ...base, id: null }, 'id'],
    ['numeric id', { ...base, id: 7 }, 'id'],
    ['bad specversion', { ...base, specversion: '0.3' }, 'specversion'],
    ['bad time string', { ...base, time: 'yesterday' }, 'time'],
    ['time not a date', { ...base, time: '2024-13-45T99:00:00Z' }, 'time'],
    ['invalid Date', { ...base, time: new Date('nope') }, 'time'],
    ['non-string subject', { ...base, subject: 1 }, 'subject'],
    ['non-string key', { ...base, key: 42 }, 'key'],
    ['non-string datacontenttype', { ...base, datacontenttype: {} }, 'datacontenttype'],
    ['extensions not an object', { ...base, extensions: 'x' }, 'extensions'],
    ['extensions null', { ...base, extensions: null }, 'extensions'],
    ['upper-case extension name', { ...base, extensions: { TraceParent: 'x' } }, 'extensions.TraceParent'],
    ['extension name with dash', { ...base, extensions: { 'my-ext': 'x' } }, 'extensions.my-ext'],
    [
      'extension name too long',
      { ...base, extensions: { abcdefghijklmnopqrstu: 'x' } },
      'extensions.abcdefghijklmnopqrstu',
    ],
    ['reserved extension name', { ...base, extensions: { id: 'x' } }, 'extensions.id'],
    ['reserved key as extension', { ...base, extensions: { key: 'x' } }, 'extensions.key'],
    ['extension value object', { ...base, extensions: { ext: {} } }, 'extensions.ext'],
    ['extension value float', { ...base, extensions: { ext: 1.5 } }, 'extensions.ext'],
    ['extension value null', { ...base, extensions: { ext: null } }, 'extensions.ext'],
  ])('%s', (_name, input, field) => {
    expect(fieldOf(() => createEvent(input as never))).toBe(field);
  });

  it('rejects non-objects', () => {
    expect(fieldOf(() => createEvent(null as never))).toBe('event');
    expect(fieldOf(() => createEvent('x' as never))).toBe('event');
  });

  class Money {
    constructor(readonly cents: number) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const cyclicArray: unknown[] = [];
  cyclicArray.push({ back: cyclicArray });

  it.each([
    ['BigInt', 10n],
    ['nested BigInt', { amount: 10n }],
    ['cycle', cyclic],
    ['array cycle', cyclicArray],
    ['function', () => 1],
    ['nested function', { f: () => 1 }],
    ['symbol', Symbol('s')],
    ['NaN', NaN],
    ['nested Infinity', [1, Infinity]],
    ['class instance', new Money(5)],
    ['nested class instance', { m: new Money(5) }],
    ['Map', new Map()],
    ['nested binary', { bytes: new Uint8Array(1) }],
  ])('rejects unserialisable data: %s', (_name, data) => {
    expect(fieldOf(() => createEvent({ ...base, data }))).toBe('data');
  });

  it('says where in the data the problem is', () => {
    expect(() => createEvent({ ...base, data: { a: [{ b: 1n }] } })).toThrow(/\$\.a\[0\]\.b: BigInt/);
    expect(() => createEvent({ ...base, data: new Money(1) })).toThrow(/instances of Money/);
  });

  it('allows the same object twice (shared, not cyclic)', () => {
    const shared = { x: 1 };
    expect(createEvent({ ...base, data: { a: shared, b: shared } }).data).toEqual({
      a: { x: 1 },
      b: { x: 1 },
    });
  });
});

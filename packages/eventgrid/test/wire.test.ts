import {
  createEvent,
  fromStructuredObject,
  InvalidEventError,
  toStructured,
  UNDECODABLE_TYPE,
} from '@eventport/core/driver';
import { encodeStructured, structuredBatch } from '../src/structured-encoder.js';
import { batchBody, decodeEvent, encodeEvent, KEY_EXTENSION } from '../src/wire.js';

const origin = { topic: 'orders', subscription: 'billing', lockToken: 'tok' };
const json = (bytes: Uint8Array) =>
  JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
const roundTrip = (e: ReturnType<typeof createEvent>) => decodeEvent(json(encodeEvent(e)), origin);

describe('wire: structured CloudEvents JSON', () => {
  test('every attribute round-trips, extensions typed, the key as partitionkey', () => {
    const event = createEvent({
      id: 'e-1',
      source: '/shop/orders',
      type: 'order.created',
      time: '2026-01-02T03:04:05.678+02:00',
      subject: 'orders/1',
      dataschema: 'https://example.com/schema.json',
      datacontenttype: 'application/json',
      key: 'cust-42',
      extensions: {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tenant: 'acme',
        n: 7,
        flag: false,
      },
      data: { total: 42, items: ['a', 'b'] },
    });
    const wire = json(encodeEvent(event));
    expect(wire).toMatchObject({
      partitionkey: 'cust-42',
      traceparent: event.extensions.traceparent,
      n: 7,
      flag: false,
    });
    const back = roundTrip(event);
    expect(back.undecodable).toBeUndefined();
    expect(back.event).toEqual(event);
  });

  test('binary data (data_base64), text, no data, no key', () => {
    const bin = createEvent({ source: '/s', type: 't', data: new Uint8Array([0, 255, 1, 128]) });
    expect(json(encodeEvent(bin)).data_base64).toBe('AP8BgA==');
    expect(roundTrip(bin).event.data).toEqual(new Uint8Array([0, 255, 1, 128]));
    const text = createEvent({ source: '/s', type: 't', datacontenttype: 'text/plain', data: 'héllo "x"' });
    expect(roundTrip(text).event).toEqual(text);
    const empty = createEvent({ source: '/s', type: 't' });
    expect(KEY_EXTENSION in json(encodeEvent(empty))).toBe(false);
    expect(roundTrip(empty).event).toEqual(empty);
  });

  test('an extension named partitionkey is refused (it is where the key travels)', () => {
    const event = createEvent({ source: '/s', type: 't', extensions: { partitionkey: 'x' } });
    expect(() => encodeEvent(event)).toThrow(InvalidEventError);
  });

  test('a batch is a JSON array of the encoded events', () => {
    const a = createEvent({ source: '/s', type: 'a' });
    const b = createEvent({ source: '/s', type: 'b', key: 'k' });
    const arr = JSON.parse(Buffer.from(batchBody([encodeEvent(a), encodeEvent(b)])).toString()) as unknown[];
    expect(arr).toHaveLength(2);
    expect(JSON.parse(Buffer.from(batchBody([])).toString())).toEqual([]);
  });

  test.each([
    ['an unknown specversion', { id: 'x', source: '/s', type: 't', specversion: '0.3' }],
    ['a non-string key', { id: 'x', source: '/s', type: 't', specversion: '1.0', partitionkey: 5 }],
    ['no type', { id: 'x', source: '/s', specversion: '1.0' }],
    ['not an object', 'just a string'],
    ['null', null],
  ])('%s is wrapped as undecodable (never thrown), with its bytes and a reason', (_what, raw) => {
    const d = decodeEvent(raw, origin);
    expect(d.undecodable).toEqual(expect.any(String));
    expect(d.event.type).toBe(UNDECODABLE_TYPE);
    if (raw !== null) expect(Buffer.from(d.event.data as Uint8Array).toString()).toBe(JSON.stringify(raw));
  });
});

describe('wire: decoding decodes exactly what core fromStructuredObject decodes', () => {
  const base = { id: 'e-1', source: '/s', type: 't', specversion: '1.0', time: '2026-01-02T03:04:05Z' };
  const cases: [string, Record<string, unknown>][] = [
    [
      'every attribute',
      {
        ...base,
        subject: 'sub',
        dataschema: 'https://x/s',
        datacontenttype: 'application/json',
        data: { a: [1, { b: null }] },
      },
    ],
    [
      'typed extensions, dropped ones',
      { ...base, tenant: 'acme', n: 7, ok: false, obj: { x: 1 }, nul: null, arr: [1] },
    ],
    ['a key', { ...base, partitionkey: 'k-1', tenant: 'a' }],
    ['binary data', { ...base, data_base64: 'AP8BgA==' }],
    ['text data', { ...base, datacontenttype: 'text/plain', data: 'héllo' }],
    ['null data', { ...base, data: null }],
    ['no specversion', { id: 'e', source: '/s', type: 't' }],
    ['no time (now)', { id: 'e', source: '/s', type: 't', specversion: '1.0' }],
    ['null optional attributes', { ...base, subject: null, time: null, datacontenttype: null }],
    ['a non-integer extension', { ...base, ratio: 0.5 }],
    ['a bad extension name', { ...base, Tenant: 'x' }],
    ['an extension named key', { ...base, key: 'x' }],
    ['an extension with a control character', { ...base, tenant: 'a\u0001' }],
    ['no id', { source: '/s', type: 't', specversion: '1.0' }],
    ['a null id', { ...base, id: null }],
    ['an empty id', { ...base, id: '' }],
    ['a numeric type', { ...base, type: 5 }],
    ['a bad source', { ...base, source: 'a b' }],
    ['a numeric time', { ...base, time: 5 }],
    ['a bad time', { ...base, time: '2026-13-01T00:00:00Z' }],
    ['an empty subject', { ...base, subject: '' }],
    ['a relative dataschema', { ...base, dataschema: 'rel' }],
    ['specversion 0.3', { ...base, specversion: '0.3' }],
    ['a null specversion', { ...base, specversion: null }],
    [
      'non-JSON data (a cycle is impossible; deep nesting)',
      { ...base, data: JSON.parse('['.repeat(600) + ']'.repeat(600)) as unknown },
    ],
  ];
  test.each(cases)('%s', (_what, doc) => {
    const { partitionkey, ...rest } = doc;
    let expected: { event?: unknown; field?: string };
    try {
      expected = { event: fromStructuredObject(rest, { key: partitionkey as string | undefined }) };
    } catch (err) {
      expected = { field: (err as InvalidEventError).field };
    }
    const decoded = decodeEvent(doc, origin);
    if (expected.field !== undefined) {
      expect(decoded.event.type).toBe(UNDECODABLE_TYPE);
      expect(decoded.undecodable).toContain(`invalid event: ${expected.field}:`);
    } else {
      expect(decoded.undecodable).toBeUndefined();
      const time = doc.time === undefined || doc.time === null ? { time: expect.any(String) } : {};
      expect(decoded.event).toEqual({ ...(expected.event as object), ...time });
      expect(Object.isFrozen(decoded.event.extensions)).toBe(true);
    }
  });
});

describe('wire: encoding writes exactly what core toStructured writes (plus the key first)', () => {
  const base = { id: 'e-1', source: '/s', type: 't', time: '2026-01-02T03:04:05Z' };
  const cases: [string, Parameters<typeof createEvent>[0]][] = [
    [
      'JSON data, every attribute',
      { ...base, subject: 'sub', dataschema: 'https://x/s', data: { a: [1, 'é'] } },
    ],
    [
      'extensions and a key',
      { ...base, key: 'k "1"', extensions: { tenant: 'acme', n: 7, ok: false, '123': 'num' }, data: 1 },
    ],
    ['binary data', { ...base, data: new Uint8Array([0, 255, 1, 128]).subarray(1) }],
    ['text data', { ...base, datacontenttype: 'text/plain', data: 'héllo "x"\n' }],
    ['a string under a JSON type', { ...base, datacontenttype: 'application/json', data: 'a "b"' }],
    ['null data', { ...base, data: null }],
    ['no data', { ...base, key: 'k' }],
  ];
  test.each(cases)('%s', (_what, input) => {
    const event = createEvent(input);
    const structured = Buffer.from(toStructured(event).body!).toString('utf8');
    const expected =
      event.key === undefined
        ? structured
        : `{"${KEY_EXTENSION}":${JSON.stringify(event.key)},${structured.slice(1)}`;
    expect(Buffer.from(encodeEvent(event)).toString('utf8')).toBe(expected);
    const parts = encodeStructured(event, KEY_EXTENSION);
    expect(parts.byteLength).toBe(Buffer.byteLength(expected));
    expect(Buffer.from(structuredBatch([parts, parts])).toString('utf8')).toBe(`[${expected},${expected}]`);
  });

  test('an empty batch is []', () => {
    expect(Buffer.from(structuredBatch([])).toString()).toBe('[]');
  });
});

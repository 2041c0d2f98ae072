import { createEvent, toStructured } from '@eventport/core/driver';
import type { KafkaMessage } from 'kafkajs';
import { decodeRecord, encodeRecord, PLAIN_TYPE } from '../src/wire.js';

/** Decodes a record that must decode (fails the test when it comes back undecodable). */
function decodeEvent(...args: Parameters<typeof decodeRecord>): ReturnType<typeof decodeRecord>['event'] {
  const decoded = decodeRecord(...args);
  expect(decoded.undecodable).toBeUndefined();
  return decoded.event;
}

/** What kafkajs hands a consumer for a record: buffers everywhere. */
function fetched(
  m: {
    key?: string | Buffer | null;
    value: string | Buffer | null;
    headers?: Record<string, string | Buffer>;
  },
  offset = '7',
): KafkaMessage {
  const buf = (v: string | Buffer | null | undefined): Buffer | null =>
    v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
  const headers: Record<string, Buffer> = {};
  // Strings become bytes as kafkajs delivers them; anything else (null, hostile values) passes as is.
  for (const [k, v] of Object.entries(m.headers ?? {}))
    headers[k] = (typeof v === 'string' || Buffer.isBuffer(v) ? buf(v) : v) as Buffer;
  return {
    key: buf(m.key),
    value: buf(m.value),
    headers,
    offset,
    timestamp: '1700000000000',
    attributes: 0,
  } as KafkaMessage;
}

describe('Kafka CloudEvents binding', () => {
  it('writes binary mode: ce_ headers, content-type, key, value', () => {
    const e = createEvent({
      id: 'e1',
      source: '/shop',
      type: 'order.created',
      subject: 's',
      key: 'cust-42',
      data: { total: 3 },
      extensions: { traceparent: '00-abc', n: 5 },
    });
    const m = encodeRecord(e);
    expect(m.key).toBe('cust-42');
    expect(m.headers).toMatchObject({
      ce_id: 'e1',
      ce_source: '/shop',
      ce_type: 'order.created',
      ce_specversion: '1.0',
      ce_subject: 's',
      ce_traceparent: '00-abc',
      ce_n: '5',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(m.value))).toEqual({ total: 3 });
  });

  it('round-trips every attribute, binary and non-UTF-8 data', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    for (const input of [
      { id: 'a', source: '/s', type: 't', data: bytes, key: 'k' },
      { id: 'b', source: '/s', type: 't', data: 'text é', datacontenttype: 'text/plain; charset=utf-8' },
      {
        id: 'c',
        source: '/s',
        type: 't',
        dataschema: 'urn:x',
        extensions: { deadletterreason: 'why', deadletterattempts: 3 },
      },
    ]) {
      const e = createEvent(input);
      const m = encodeRecord(e);
      const back = decodeEvent(
        't',
        0,
        fetched({
          key: m.key as string | null,
          value: m.value as Buffer | null,
          headers: m.headers as Record<string, string>,
        }),
      );
      expect(back.id).toBe(e.id);
      expect(back.time).toBe(e.time);
      expect(back.key).toBe(e.key);
      expect(back.dataschema).toBe(e.dataschema);
      if (e.data instanceof Uint8Array)
        expect(Buffer.from(back.data as Uint8Array)).toEqual(Buffer.from(bytes));
      else expect(back.data).toEqual(e.data);
      expect(back.extensions).toEqual(
        Object.fromEntries(Object.entries(e.extensions).map(([k, v]) => [k, String(v)])),
      );
    }
  });

  it('writes no value for an event without data', () => {
    expect(encodeRecord(createEvent({ source: '/s', type: 't' })).value).toBeNull();
  });

  it('reads structured mode', () => {
    const e = createEvent({ id: 's1', source: '/s', type: 't', data: { x: 1 } });
    const w = toStructured(e);
    const back = decodeEvent('t', 0, fetched({ key: 'k', value: Buffer.from(w.body!), headers: w.headers }));
    expect([back.id, back.type, back.key]).toEqual(['s1', 't', 'k']);
    expect(back.data).toEqual({ x: 1 });
  });

  it('wraps records of plain producers with their coordinates as id', () => {
    const json = decodeEvent(
      'orders',
      3,
      fetched({ key: 'k1', value: '{"a":1}', headers: { 'content-type': 'application/json' } }, '42'),
    );
    expect(json).toMatchObject({
      id: 'orders/3/42',
      source: '/kafka/orders',
      type: PLAIN_TYPE,
      key: 'k1',
      data: { a: 1 },
    });
    expect(json.time).toBe(new Date(1700000000000).toISOString());
    const raw = decodeEvent('orders', 0, fetched({ value: Buffer.from([1, 2, 3]) }, '0'));
    expect(raw.data).toEqual(new Uint8Array([1, 2, 3]));
    const tombstone = decodeEvent('orders', 0, fetched({ key: 'gone', value: null }, '1'));
    expect([tombstone.id, tombstone.data]).toEqual(['orders/0/1', undefined]);
  });

  it('a record with broken CloudEvents attributes comes back undecodable, with its bytes and the reason', () => {
    const bad = decodeRecord(
      't',
      1,
      fetched(
        { value: 'x', headers: { ce_specversion: '0.3', ce_id: 'i', ce_source: '/s', ce_type: 't' } },
        '5',
      ),
    );
    expect(bad.undecodable).toMatch(/specversion/);
    expect(bad.event.id).toBe('t/1/5');
    expect(bad.event.data).toEqual(new Uint8Array(Buffer.from('x')));
    const badJson = decodeEvent(
      't',
      1,
      fetched({ value: '{nope', headers: { 'content-type': 'application/json' } }, '6'),
    );
    expect(badJson.datacontenttype).toBe('application/octet-stream');
  });

  it('null-valued headers (legal in Kafka) are ignored, never thrown on', () => {
    const m = encodeRecord(createEvent({ id: 'n', source: '/s', type: 't', data: 1 }));
    const headers = { ...(m.headers as Record<string, string>), ce_traceparent: null, other: null };
    const e = decodeEvent('t', 0, fetched({ value: m.value as Buffer, headers: headers as never }, '1'));
    expect([e.id, e.data]).toEqual(['n', 1]);
  });

  it.each([
    ['invalid JSON in structured mode', { 'content-type': 'application/cloudevents+json' }, '{nope'],
    ['a structured body that is not an object', { 'content-type': 'application/cloudevents+json' }, '[1]'],
    ['an unknown specversion', { ce_specversion: '2.0', ce_id: 'i', ce_source: '/s', ce_type: 't' }, 'x'],
    ['a missing ce_type', { ce_specversion: '1.0', ce_id: 'i', ce_source: '/s' }, 'x'],
    [
      'an invalid ce_time',
      { ce_specversion: '1.0', ce_id: 'i', ce_source: '/s', ce_type: 't', ce_time: 'yesterday' },
      'x',
    ],
    [
      'a control character in ce_type',
      { ce_specversion: '1.0', ce_id: 'i', ce_source: '/s', ce_type: 't\u0000' },
      'x',
    ],
    [
      'a wrong-typed header value',
      { ce_specversion: '1.0', ce_id: 42 as never, ce_source: '/s', ce_type: 't' },
      'x',
    ],
  ])('%s: undecodable with the reason, never a throw', (_what, headers, value) => {
    const d = decodeRecord('t', 2, fetched({ value, headers: headers as never }, '9'));
    expect(typeof d.undecodable).toBe('string');
    expect(d.event.id).toBe('t/2/9');
  });

  it('a 0-byte body and binary garbage without headers are plain events', () => {
    const empty = decodeEvent('t', 0, fetched({ value: Buffer.alloc(0) }, '1'));
    expect(empty.type).toBe(PLAIN_TYPE);
    const garbage = decodeEvent('t', 0, fetched({ value: Buffer.from([0xff, 0xfe, 0x00, 0x80]) }, '2'));
    expect(garbage.data).toEqual(new Uint8Array([0xff, 0xfe, 0x00, 0x80]));
  });
});

describe('header decoding cache', () => {
  it('never returns a stale value when repeated headers change', () => {
    for (let i = 0; i < 200; i++) {
      const type = i % 3 === 0 ? 'type.a' : i % 3 === 1 ? 'type.b' : 'type.é';
      const source = i < 100 ? '/one' : `/source/${i}`;
      const m = encodeRecord(createEvent({ id: `id-${i}`, source, type, data: { i } }));
      const headers = Object.fromEntries(
        Object.entries(m.headers as Record<string, string>).map(([k, v]) => [k, Buffer.from(v)]),
      );
      const e = decodeEvent('t', 0, fetched({ value: m.value as Buffer, headers }, String(i)));
      expect([e.id, e.type, e.source, e.data]).toEqual([`id-${i}`, type, source, { i }]);
    }
  });
});

import {
  STRUCTURED_CONTENT_TYPE,
  fromBinary,
  fromPlainMessage,
  fromStructured,
  fromStructuredObject,
  isStructured,
  toBinary,
  toStructured,
} from '../src/codec/cloudevents.js';
import { decodeData, encodeData, eventSize, isJson, utf8Length } from '../src/codec/data.js';
import { createEvent } from '../src/event/create-event.js';
import { InvalidEventError } from '../src/errors/errors.js';
import type { Event } from '../src/event/types.js';

const text = new TextDecoder();

function full(data: unknown, datacontenttype?: string): Event {
  return createEvent({
    id: 'id-1',
    source: '/shop',
    type: 'order.created',
    time: '2024-01-02T03:04:05.000Z',
    subject: 'orders/1',
    dataschema: 'https://example.com/schema',
    datacontenttype,
    data,
    key: 'cust-1',
    extensions: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', region: 'eu' },
  });
}

const nonUtf8 = new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x01]);

describe('binary mode', () => {
  it('puts attributes in prefixed headers and the data in the body', () => {
    const m = toBinary(full({ total: 5 }), 'ce_');
    expect(m.headers).toEqual({
      ce_id: 'id-1',
      ce_source: '/shop',
      ce_type: 'order.created',
      ce_specversion: '1.0',
      ce_time: '2024-01-02T03:04:05.000Z',
      ce_subject: 'orders/1',
      ce_dataschema: 'https://example.com/schema',
      ce_traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      ce_region: 'eu',
      'content-type': 'application/json',
    });
    expect(JSON.parse(text.decode(m.body))).toEqual({ total: 5 });
  });

  it.each([
    ['JSON object', { a: [1, 'x', null] }, undefined],
    ['JSON string', 'quoted', 'application/json'],
    ['text', 'héllo wörld ✓', 'text/plain; charset=utf-8'],
    ['binary', new Uint8Array([0, 1, 2, 255]), 'application/octet-stream'],
    ['non-UTF-8 bytes', nonUtf8, 'application/octet-stream'],
    ['custom binary type', nonUtf8, 'image/png'],
    ['number', 42, undefined],
    ['no data', undefined, undefined],
  ])('round-trips %s', (_name, data, type) => {
    const e = full(data, type);
    const wire = toBinary(e, 'ce-');
    const back = fromBinary(wire, 'ce-', { key: 'cust-1' })!;
    expect(back.id).toBe(e.id);
    expect(back.source).toBe(e.source);
    expect(back.type).toBe(e.type);
    expect(back.time).toBe(e.time);
    expect(back.subject).toBe(e.subject);
    expect(back.dataschema).toBe(e.dataschema);
    expect(back.key).toBe('cust-1');
    expect(back.extensions).toEqual(e.extensions);
    expect(back.data).toEqual(data);
    if (data instanceof Uint8Array) expect(Buffer.compare(back.data as Uint8Array, data)).toBe(0);
    if (data !== undefined) expect(back.datacontenttype).toBe(encodeData(e).contentType);
  });

  it('matches headers case-insensitively and takes a custom content-type header', () => {
    const wire = toBinary(full('hi', 'text/plain'), 'cloudEvents:', 'content_type');
    expect(wire.headers.content_type).toBe('text/plain');
    const shouty = Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k.toUpperCase(), v]));
    const back = fromBinary({ headers: shouty, body: wire.body }, 'cloudevents:', {}, 'Content_Type')!;
    expect(back.data).toBe('hi');
    expect(back.extensions.region).toBe('eu');
  });

  it('extensions travel as strings', () => {
    const e = createEvent({ type: 't', source: 's', extensions: { n: 7, ok: true } });
    const back = fromBinary(toBinary(e, 'ce_'), 'ce_')!;
    expect(back.extensions).toEqual({ n: '7', ok: 'true' });
  });

  it('a message without CloudEvents attributes decodes to undefined', () => {
    expect(
      fromBinary({ headers: { 'content-type': 'text/plain', other: 'x' }, body: undefined }, 'ce_'),
    ).toBeUndefined();
  });

  it('invalid attributes are InvalidEventErrors', () => {
    expect(() =>
      fromBinary({ headers: { ce_specversion: '1.0', ce_type: 't' }, body: undefined }, 'ce_'),
    ).toThrow(expect.objectContaining({ field: 'source' }));
    expect(() =>
      fromBinary(
        { headers: { ce_specversion: '0.3', ce_type: 't', ce_source: 's' }, body: undefined },
        'ce_',
      ),
    ).toThrow(expect.objectContaining({ field: 'specversion' }));
    const badJson = {
      headers: { ce_specversion: '1.0', ce_type: 't', ce_source: 's', 'content-type': 'application/json' },
      body: new TextEncoder().encode('{nope'),
    };
    expect(() => fromBinary(badJson, 'ce_')).toThrow(expect.objectContaining({ field: 'data' }));
  });
});

describe('structured mode', () => {
  it.each([
    ['JSON object', { a: { b: [1, 2] } }, undefined],
    ['text', 'plain text ✓', 'text/plain'],
    ['JSON string', 'a string', undefined],
    ['binary', new Uint8Array([9, 8, 7]), undefined],
    ['non-UTF-8 bytes', nonUtf8, 'application/x-custom'],
    ['no data', undefined, undefined],
  ])('round-trips %s', (_name, data, type) => {
    const e = full(data, type);
    const wire = toStructured(e);
    expect(wire.headers['content-type']).toBe(STRUCTURED_CONTENT_TYPE);
    expect(isStructured(wire.headers)).toBe(true);
    const doc = JSON.parse(text.decode(wire.body)) as Record<string, unknown>;
    expect(doc.id).toBe('id-1');
    expect(doc.region).toBe('eu');
    if (data instanceof Uint8Array) expect(doc.data_base64).toBe(Buffer.from(data).toString('base64'));
    const back = fromStructured(wire.body!, { key: 'k' });
    expect(back).toMatchObject({
      id: e.id,
      source: e.source,
      type: e.type,
      time: e.time,
      subject: e.subject,
      key: 'k',
    });
    expect(back.extensions).toEqual(e.extensions);
    expect(back.data).toEqual(data);
  });

  it('keeps typed extension values in JSON', () => {
    const e = createEvent({ type: 't', source: 's', extensions: { n: 7, ok: false } });
    expect(fromStructured(toStructured(e).body!).extensions).toEqual({ n: 7, ok: false });
  });

  it('rejects malformed documents with InvalidEventError', () => {
    const enc = new TextEncoder();
    expect(() => fromStructured(enc.encode('{not json'))).toThrow(
      expect.objectContaining({ field: 'event' }),
    );
    expect(() => fromStructured(enc.encode('{"type":"t","specversion":"1.0"}'))).toThrow(
      expect.objectContaining({ field: 'source' }),
    );
    for (const doc of ['null', '[]', '"x"', '5']) {
      expect(() => fromStructured(enc.encode(doc))).toThrow(InvalidEventError);
    }
  });

  it('toStructured writes exactly JSON.stringify of the document, data last (the data bytes are reused)', () => {
    const cases: [unknown, string | undefined][] = [
      [{ a: [1, 'x'], s: 'é"\\' }, undefined],
      ['"quoted" text', 'application/json'],
      [42, undefined],
      [null, undefined],
      ['plain', undefined],
      [new Uint8Array([1, 2]), undefined],
      [undefined, undefined],
    ];
    for (const [data, datacontenttype] of cases) {
      const e = createEvent({ type: 't', source: 's', data, datacontenttype, extensions: { x: 1 } });
      const expected: Record<string, unknown> = {};
      for (const k of ['id', 'source', 'type', 'specversion', 'time'])
        expected[k] = (e as unknown as Record<string, unknown>)[k];
      expected.x = 1;
      const ct = encodeData(e).contentType;
      if (ct !== undefined) expected.datacontenttype = ct;
      if (data instanceof Uint8Array) expected.data_base64 = Buffer.from(data).toString('base64');
      else if (data !== undefined) expected.data = data;
      expect(text.decode(toStructured(e).body!)).toBe(JSON.stringify(expected));
    }
  });

  it('fromStructuredObject decodes an already-parsed document exactly as fromStructured decodes its JSON', () => {
    const e = createEvent({
      type: 't',
      source: 's',
      subject: 'sub',
      data: { a: [1, 'x'] },
      extensions: { region: 'eu', n: 7 },
    });
    const doc = JSON.parse(text.decode(toStructured(e).body!)) as Record<string, unknown>;
    const fromObject = fromStructuredObject(doc, { key: 'k' });
    expect(fromObject).toEqual(fromStructured(toStructured(e).body!, { key: 'k' }));
    expect(fromObject).toMatchObject({ id: e.id, data: { a: [1, 'x'] }, key: 'k' });
    const bin = JSON.parse(
      text.decode(toStructured(createEvent({ type: 't', source: 's', data: new Uint8Array([1, 2]) })).body!),
    );
    expect(fromStructuredObject(bin).data).toEqual(new Uint8Array([1, 2]));
    for (const bad of [null, [], 'x', 5]) expect(() => fromStructuredObject(bad)).toThrow(InvalidEventError);
    expect(() => fromStructuredObject({ type: 't', source: 's', specversion: '1.0' })).toThrow(
      expect.objectContaining({ field: 'id' }),
    );
  });

  it('isStructured looks at the content-type header only', () => {
    expect(isStructured({ 'Content-Type': 'application/cloudevents+json; charset=utf-8' })).toBe(true);
    expect(isStructured({ 'content-type': 'application/json' })).toBe(false);
    expect(isStructured({})).toBe(false);
  });
});

describe('plain messages from non-EventPort producers', () => {
  it('wrap the payload, taking id and source from broker coordinates', () => {
    const e = fromPlainMessage({
      body: new TextEncoder().encode('{"n":1}'),
      contentType: 'application/json',
      id: 'orders/0/17',
      source: 'kafka://orders/0',
      key: 'k',
      time: new Date('2024-01-01T00:00:00Z'),
    });
    expect(e).toMatchObject({
      id: 'orders/0/17',
      source: 'kafka://orders/0',
      type: 'eventport.plain',
      key: 'k',
      data: { n: 1 },
      time: '2024-01-01T00:00:00.000Z',
    });
    expect(Object.isFrozen(e)).toBe(true);
  });

  it('keeps unknown payloads as bytes and text as a string', () => {
    const bytes = fromPlainMessage({ body: nonUtf8, id: '1', source: 'sqs://q' });
    expect(bytes.data).toEqual(nonUtf8);
    expect(
      fromPlainMessage({
        body: new TextEncoder().encode('hi'),
        contentType: 'text/csv',
        id: '1',
        source: 's',
      }).data,
    ).toBe('hi');
    expect(fromPlainMessage({ body: undefined, id: '1', source: 's' }).data).toBeUndefined();
  });
});

describe('data encoding', () => {
  it('infers content types and caches per event', () => {
    const e = createEvent({ type: 't', source: 's', data: { a: 1 } });
    expect(encodeData(e)).toBe(encodeData(e));
    expect(encodeData(e).contentType).toBe('application/json');
    expect(encodeData(createEvent({ type: 't', source: 's', data: 'x' })).contentType).toBe(
      'text/plain; charset=utf-8',
    );
    expect(encodeData(createEvent({ type: 't', source: 's' }))).toEqual({
      bytes: undefined,
      contentType: undefined,
    });
    expect(
      text.decode(
        encodeData(
          createEvent({ type: 't', source: 's', data: 'x', datacontenttype: 'application/vnd.x+json' }),
        ).bytes,
      ),
    ).toBe('"x"');
  });

  it('recognises JSON media types', () => {
    expect(isJson('application/json; charset=utf-8')).toBe(true);
    expect(isJson('Application/CloudEvents+JSON')).toBe(true);
    expect(isJson('text/json')).toBe(true);
    expect(isJson('text/plain')).toBe(false);
  });

  it('decodes by content type', () => {
    const enc = new TextEncoder();
    expect(decodeData(undefined, 'application/json')).toBeUndefined();
    expect(decodeData(enc.encode('[1]'), 'application/json')).toEqual([1]);
    expect(decodeData(enc.encode('abc'), 'TEXT/plain')).toBe('abc');
    expect(decodeData(enc.encode('abc'), undefined)).toEqual(enc.encode('abc'));
    expect(() => decodeData(enc.encode('{'), 'application/json')).toThrow(InvalidEventError);
  });

  it('keeps text in a charset other than UTF-8 as bytes, so they round-trip unchanged', () => {
    const latin1 = Uint8Array.from([0x63, 0x61, 0x66, 0xe9]); // "café" in ISO-8859-1
    expect(decodeData(latin1, 'text/plain; charset=iso-8859-1')).toEqual(latin1);
    expect(decodeData(latin1, 'text/plain;charset="Windows-1252"')).toEqual(latin1);
    expect(decodeData(Uint8Array.from([0x61]), 'text/plain; charset=UTF-8')).toBe('a');
    expect(decodeData(Uint8Array.from([0x61]), 'text/csv; header=present; charset=us-ascii')).toBe('a');
  });

  it('measures event size as payload plus attributes', () => {
    expect(utf8Length('é✓')).toBe(5);
    const small = createEvent({ id: 'i', type: 't', source: 's', time: '2024-01-01T00:00:00Z' });
    const big = createEvent({ ...small, id: 'i', data: 'x'.repeat(1000) });
    expect(eventSize(big) - eventSize(small)).toBeGreaterThanOrEqual(1000);
    const withAll = createEvent({
      ...small,
      subject: 'sub',
      datacontenttype: 'text/plain',
      dataschema: 'https://example.com/schema',
      key: 'key',
      extensions: { ext: 'value' },
    });
    expect(eventSize(withAll)).toBeGreaterThan(eventSize(small) + 'subtext/plainschemakeyvalue'.length);
  });

  it('measures each event exactly, whatever was measured before it (repeated attributes are measured once)', () => {
    const attrs = (e: Record<string, unknown>): number =>
      Object.entries(e)
        .filter(([, v]) => typeof v === 'string')
        .reduce((n, [k, v]) => n + k.length + 3 + Buffer.byteLength(v as string), 0) + 16;
    const a = {
      id: 'a',
      type: 'tÿpe.a',
      source: '/source/a',
      time: '2024-01-01T00:00:00Z',
      datacontenttype: 'x/y',
    };
    const b = {
      id: 'bb',
      type: 'type.b',
      source: '/b',
      time: '2024-01-01T00:00:00.5Z',
      datacontenttype: 'é/z',
    };
    const bytes = Uint8Array.from([1, 2, 3]);
    const ea = createEvent({ ...a, data: bytes });
    const eb = createEvent({ ...b, data: 'dätä' });
    const expectA = attrs(a) + 3;
    const expectB = attrs(b) + Buffer.byteLength('dätä');
    for (const [e, n] of [
      [ea, expectA],
      [eb, expectB],
      [ea, expectA],
      [ea, expectA],
      [eb, expectB],
    ] as const)
      expect(eventSize(e)).toBe(n);
    const generated = createEvent({ type: 't', source: '/s', data: bytes }); // a generated id
    expect(eventSize(generated)).toBe(eventSize(createEvent({ ...generated, id: `${generated.id}` })));
    const { specversion: _v, ...ownAttributes } = generated; // specversion counts as a fixed 16
    expect(eventSize(generated)).toBe(attrs(ownAttributes) + 3);
    expect(eventSize(createEvent({ type: 't', source: '/s', id: 'i', time: a.time }))).toBe(
      attrs({ type: 't', source: '/s', id: 'i', time: a.time }),
    );
  });
});

import { createEvent, type Event, type EventInput } from '@eventport/core';
import {
  ATTR,
  decodeMessage,
  encodeMessage,
  isSqsText,
  type EncodedMessage,
  type IncomingMessage,
} from '../src/wire';

/** What SQS hands back for an encoded message. */
function received(m: EncodedMessage, extra: Record<string, string> = {}) {
  return {
    MessageId: 'mid-1',
    Body: m.body,
    MessageAttributes: m.attributes,
    Attributes: { SentTimestamp: '1700000000000', ...extra },
  };
}

/** Sends `input` through the wire format; `sent` carries the content type the encoder inferred. */
function roundTrip(input: EventInput): { sent: Event; got: Event; wire: EncodedMessage } {
  const event = createEvent(input);
  const wire = encodeMessage(event);
  const inferred = wire.attributes[ATTR.datacontenttype]?.StringValue ?? event.datacontenttype;
  const sent = { ...event, datacontenttype: event.datacontenttype ?? inferred };
  const decoded = decodeMessage(received(wire), 'http://q');
  expect(decoded.undecodable).toBeUndefined();
  return { sent, got: decoded.event, wire };
}

const base = { source: '/test', type: 'test.event' };

describe('SQS wire format', () => {
  test('JSON data travels as the body; core attributes as ce_* attributes; extensions typed in ce_ext', () => {
    const { sent, got, wire } = roundTrip({
      ...base,
      id: 'e-1',
      subject: 'orders/42',
      key: 'customer-42',
      time: '2026-01-02T03:04:05.678Z',
      data: { order: 42, note: 'ünïcödé ✓ 🎉' },
      extensions: { exttext: 'hello', extint: 42, extbool: true },
    });
    expect(wire.body).toBe(JSON.stringify(sent.data));
    expect(wire.attributes[ATTR.id]).toEqual({ DataType: 'String', StringValue: 'e-1' });
    expect(wire.attributes[ATTR.key]?.StringValue).toBe('customer-42');
    expect(wire.attributes[ATTR.datacontenttype]?.StringValue).toBe('application/json');
    expect(JSON.parse(wire.attributes[ATTR.ext]!.StringValue)).toEqual({
      exttext: 'hello',
      extint: 42,
      extbool: true,
    });
    expect(wire.attributes[ATTR.body]).toBeUndefined();
    expect(got).toEqual(sent);
  });

  test.each<[string, unknown, string | undefined]>([
    ['a JSON string', 'a JSON string: "quoted"', 'application/json'],
    ['JSON null', null, 'application/json'],
    ['JSON array', [1, 'two', { three: 3 }, [], null], undefined],
    ['UTF-8 text', 'plain text ✓ — 日本語', 'text/plain; charset=utf-8'],
    ['text under a custom type', '<a/>', 'application/xml'],
    ['an empty string', '', undefined],
    ['text SQS cannot carry', 'nul \u0000 and \uffff', undefined],
    ['no data', undefined, undefined],
  ])('round trip of %s', (_name, data, datacontenttype) => {
    const { sent, got } = roundTrip({ ...base, data, datacontenttype });
    expect(got.data).toEqual(sent.data);
    expect(got.datacontenttype).toBe(
      datacontenttype ?? (data === undefined ? undefined : got.datacontenttype),
    );
  });

  test('bytes come back as bytes (base64 body), whatever the content type', () => {
    const all256 = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const datacontenttype of [
      'application/octet-stream',
      'text/plain; charset=iso-8859-1',
      'application/json',
    ]) {
      const { got, wire } = roundTrip({ ...base, data: all256, datacontenttype });
      expect(wire.attributes[ATTR.body]?.StringValue).toBe('binary');
      expect(got.data).toEqual(all256);
    }
    const empty = roundTrip({ ...base, data: new Uint8Array(0) });
    expect(empty.got.data).toEqual(new Uint8Array(0));
    expect(empty.wire.body).not.toBe('');
  });

  test('never more than 10 attributes: dataschema moves into ce_ext first', () => {
    const { sent, got, wire } = roundTrip({
      ...base,
      subject: 's',
      dataschema: 'https://example.com/s',
      key: 'k',
      data: 'bad \u0000',
      extensions: { a: 1 },
    });
    const names = Object.keys(wire.attributes);
    expect(names.length).toBe(10);
    expect(names).not.toContain(ATTR.dataschema);
    expect(JSON.parse(wire.attributes[ATTR.ext]!.StringValue)).toMatchObject({
      dataschema: 'https://example.com/s',
      a: 1,
    });
    expect(got).toEqual(sent);
  });

  test('attribute values SQS cannot carry (characters outside its set) move into ce_ext', () => {
    const { sent, got, wire } = roundTrip({ ...base, key: 'k\uffff' });
    expect(wire.attributes[ATTR.key]).toBeUndefined();
    expect(isSqsText(wire.attributes[ATTR.ext]!.StringValue)).toBe(true);
    expect(got).toEqual(sent);
  });

  test('size counts the body and each attribute name, type and value in UTF-8 bytes', () => {
    const wire = encodeMessage(createEvent({ ...base, data: 'héllo' }));
    let expected = Buffer.byteLength(wire.body);
    for (const [name, a] of Object.entries(wire.attributes))
      expected += name.length + a.DataType.length + Buffer.byteLength(a.StringValue);
    expect(wire.size).toBe(expected);
    expect(encodeMessage(createEvent({ ...base, data: 'héllo' })).size).toBe(expected);
  });

  test('a plain SQS message becomes an eventport.plain event: body as text, MessageId as id, queue as source', () => {
    const e = decodeMessage(
      {
        MessageId: 'm-9',
        Body: 'hello',
        Attributes: { SentTimestamp: '1700000000000', MessageGroupId: 'g' },
      },
      'http://q/1/x',
    ).event;
    expect(e).toMatchObject({
      id: 'm-9',
      source: 'http://q/1/x',
      type: 'eventport.plain',
      data: 'hello',
      key: 'g',
    });
    expect(e.time).toBe(new Date(1700000000000).toISOString());
    const json = decodeMessage(
      {
        MessageId: 'm-10',
        Body: '{"a":1}',
        MessageAttributes: { 'content-type': { DataType: 'String', StringValue: 'application/json' } },
      },
      'q',
    ).event;
    expect(json.data).toEqual({ a: 1 });
  });

  test('a plain message whose content type lies is delivered with its body as bytes; a broken CloudEvent is undecodable with the reason', () => {
    const bad = decodeMessage(
      {
        MessageId: 'm',
        Body: 'not json',
        MessageAttributes: { 'content-type': { DataType: 'String', StringValue: 'application/json' } },
      },
      'q',
    ).event;
    expect(bad.data).toEqual(new Uint8Array(Buffer.from('not json')));
    const wire = encodeMessage(createEvent({ ...base, data: { a: 1 } }));
    const broken = decodeMessage({ MessageId: 'm2', Body: '{oops', MessageAttributes: wire.attributes }, 'q');
    expect(broken.undecodable).toMatch(/JSON/);
    expect(broken.event).toMatchObject({ id: 'm2', type: 'eventport.undecodable' });
    expect(broken.event.data).toEqual(new Uint8Array(Buffer.from('{oops')));
    const keptAttributes = JSON.parse(String(broken.event.extensions.rawattributes)) as Record<
      string,
      string
    >;
    expect(keptAttributes.ce_id).toBe(wire.attributes.ce_id?.StringValue);
    const badExt = decodeMessage(
      {
        MessageId: 'm3',
        Body: 'x',
        MessageAttributes: { ...wire.attributes, [ATTR.ext]: { DataType: 'String', StringValue: '[1]' } },
      },
      'q',
    );
    expect(badExt.undecodable).toMatch(/ce_ext/);
    const unknownMode = decodeMessage(
      {
        MessageId: 'm4',
        Body: 'x',
        MessageAttributes: { ...wire.attributes, [ATTR.body]: { DataType: 'String', StringValue: 'zip' } },
      },
      'q',
    );
    expect(unknownMode.undecodable).toMatch(/zip/);
  });

  test('an extension named like an Object.prototype member (found by the property test) round-trips', () => {
    const { sent, got } = roundTrip({ ...base, extensions: { constructor: 'c', tostring: 't' } });
    expect(got).toEqual(sent);
  });

  test('hostile attributes (wrong types, control characters, no MessageId) never throw', () => {
    const wire = encodeMessage(createEvent({ ...base, data: 1 }));
    const cases: IncomingMessage[] = [
      {
        MessageAttributes: {
          ...wire.attributes,
          [ATTR.type]: { DataType: 'String', StringValue: 't\u0001' },
        },
      },
      {
        MessageAttributes: {
          ...wire.attributes,
          [ATTR.id]: { DataType: 'Number', StringValue: 42 as never },
        },
      },
      {
        MessageAttributes: {
          ...wire.attributes,
          [ATTR.specversion]: { DataType: 'String', StringValue: '0.3' },
        },
      },
      { MessageAttributes: { ...wire.attributes, [ATTR.time]: { DataType: 'String', StringValue: 'soon' } } },
      { Body: undefined, MessageAttributes: { [ATTR.specversion]: undefined } },
    ];
    for (const m of cases) {
      const d = decodeMessage(m, 'http://q');
      expect(d.event.id.length).toBeGreaterThan(0);
    }
  });

  test('isSqsText follows the SQS character set', () => {
    expect(isSqsText('tab\tnl\ncr\r ✓ 🎉')).toBe(true);
    for (const bad of ['\u0000', '\u001f', '\ufffe', '\uffff', 'a\ud800', '\udc00'])
      expect(isSqsText(bad)).toBe(false);
  });
});

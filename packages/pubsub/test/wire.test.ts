import { createEvent } from '@eventport/core';
import { decodeMessage, encodeMessage, KEY_ATTRIBUTE, plainSource, type IncomingMessage } from '../src/wire';

const source = plainSource('p1', 'orders');
const enc = new TextEncoder();

function received(m: ReturnType<typeof encodeMessage>, id = 'm-1'): IncomingMessage {
  return { messageId: id, data: m.data, attributes: m.attributes, orderingKey: m.orderingKey };
}

function eventOf(m: IncomingMessage) {
  const d = decodeMessage(m, source);
  if (!('event' in d)) throw new Error(`undecodable: ${d.undecodable}`);
  return d.event;
}

describe('pubsub wire format', () => {
  const event = createEvent({
    id: 'e-1',
    source: '/shop',
    type: 'order.created',
    subject: 'o-1',
    key: 'cust-42',
    data: { total: 42 },
    extensions: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tenant: 'acme' },
  });

  test('binary mode: ce- attributes, content-type, JSON data, ordering key = event key', () => {
    const m = encodeMessage(event, true);
    expect(m.attributes).toMatchObject({
      'ce-id': 'e-1',
      'ce-source': '/shop',
      'ce-type': 'order.created',
      'ce-specversion': '1.0',
      'ce-subject': 'o-1',
      'ce-tenant': 'acme',
      'content-type': 'application/json',
    });
    expect(m.orderingKey).toBe('cust-42');
    expect(m.attributes[KEY_ATTRIBUTE]).toBeUndefined();
    expect(JSON.parse(m.data.toString('utf8'))).toEqual({ total: 42 });
    let size = m.data.byteLength + 'cust-42'.length;
    for (const [k, v] of Object.entries(m.attributes)) size += k.length + v.length;
    expect(m.size).toBe(size);
    const back = eventOf(received(m));
    expect(back).toMatchObject({
      id: 'e-1',
      source: '/shop',
      type: 'order.created',
      key: 'cust-42',
      data: { total: 42 },
    });
    expect(back.extensions).toMatchObject({ tenant: 'acme', traceparent: event.extensions.traceparent });
    expect(back.time).toBe(event.time);
  });

  test('ordering off: the key travels as an attribute and comes back', () => {
    const m = encodeMessage(event, false);
    expect(m.orderingKey).toBeUndefined();
    expect(m.attributes[KEY_ATTRIBUTE]).toBe('cust-42');
    const back = eventOf(received(m));
    expect(back.key).toBe('cust-42');
    expect(back.extensions[KEY_ATTRIBUTE]).toBeUndefined();
  });

  test('binary data and non-UTF-8 bytes arrive unchanged', () => {
    const bytes = new Uint8Array([0, 255, 254, 1, 128]);
    const m = encodeMessage(createEvent({ source: '/s', type: 't', data: bytes }), true);
    expect(eventOf(received(m)).data).toEqual(bytes);
  });

  test('an attribute over 1024 bytes switches to structured mode, losslessly', () => {
    const long = 'x'.repeat(2000);
    const e = createEvent({ source: '/s', type: 't', data: 'hi', extensions: { big: long } });
    const m = encodeMessage(e, true);
    expect(m.attributes['content-type']).toBe('application/cloudevents+json');
    const back = eventOf(received(m));
    expect(back.extensions.big).toBe(long);
    expect(back.data).toBe('hi');
  });

  test('a structured-mode message from another producer is decoded', () => {
    const body = JSON.stringify({ specversion: '1.0', id: 's-1', source: '/x', type: 'x.y', data: { a: 1 } });
    const back = eventOf({
      messageId: 'm-9',
      data: enc.encode(body),
      attributes: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      orderingKey: 'k',
    });
    expect(back).toMatchObject({ id: 's-1', type: 'x.y', data: { a: 1 }, key: 'k' });
  });

  test('a plain message becomes a plain event with the broker coordinates', () => {
    const publishTime = new Date('2026-01-02T03:04:05.000Z');
    const back = eventOf({ messageId: 'm-7', data: enc.encode('hello'), attributes: {}, publishTime });
    expect(back).toMatchObject({
      id: 'm-7',
      source,
      type: 'eventport.plain',
      time: publishTime.toISOString(),
    });
    expect(back.data).toEqual(enc.encode('hello'));
    const json = eventOf({
      messageId: 'm-8',
      data: enc.encode('{"a":1}'),
      attributes: { 'content-type': 'application/json' },
    });
    expect(json.data).toEqual({ a: 1 });
  });

  test('a plain message with other attributes is still a plain event (no ce- metadata to break)', () => {
    const back = eventOf({ messageId: 'm-6', data: enc.encode('x'), attributes: { origin: 'legacy' } });
    expect(back.type).toBe('eventport.plain');
  });

  test('invalid JSON in structured mode: a plain event keeping the bytes and content type', () => {
    const back = eventOf({
      messageId: 'm-5',
      data: enc.encode('{not json'),
      attributes: { 'content-type': 'application/cloudevents+json' },
    });
    expect(back.type).toBe('eventport.plain');
    expect(back.datacontenttype).toBe('application/cloudevents+json');
    expect(back.data).toEqual(enc.encode('{not json'));
  });

  test('empty data: empty bytes or text under a non-JSON content type, no data under JSON or none', () => {
    for (const e of [
      createEvent({ source: '/s', type: 't', data: new Uint8Array(0) }),
      createEvent({ source: '/s', type: 't', data: '' }),
      createEvent({ source: '/s', type: 't', datacontenttype: 'application/json' }),
      createEvent({ source: '/s', type: 't' }),
    ]) {
      expect(eventOf(received(encodeMessage(e, true))).data).toEqual(e.data);
    }
  });

  test('an empty structured body is a plain event with no data loss', () => {
    const back = eventOf({
      messageId: 'm-4',
      data: new Uint8Array(0),
      attributes: { 'content-type': 'application/cloudevents+json' },
    });
    expect(back.type).toBe('eventport.plain');
    expect(back.data).toEqual(new Uint8Array(0));
  });

  test('broken ce- attributes (unknown specversion, missing type) are undecodable, with the reason', () => {
    const bad = decodeMessage(
      {
        messageId: 'm-3',
        data: enc.encode('x'),
        attributes: { 'ce-specversion': '0.3', 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't' },
      },
      source,
    );
    expect(bad).toEqual({ undecodable: expect.stringMatching(/specversion/) });
    const noType = decodeMessage(
      {
        messageId: 'm-2',
        data: enc.encode('x'),
        attributes: { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-source': '/s' },
      },
      source,
    );
    expect(noType).toEqual({ undecodable: expect.stringMatching(/type/) });
  });

  test('ce- attributes with a body that does not match its JSON content type are undecodable', () => {
    const d = decodeMessage(
      {
        messageId: 'm-1',
        data: enc.encode('{oops'),
        attributes: {
          'ce-specversion': '1.0',
          'ce-id': '1',
          'ce-source': '/s',
          'ce-type': 't',
          'content-type': 'application/json',
        },
      },
      source,
    );
    expect(d).toEqual({ undecodable: expect.stringMatching(/JSON/) });
  });
});

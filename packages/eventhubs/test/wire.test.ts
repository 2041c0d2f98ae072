import type { ReceivedEventData } from '@azure/event-hubs';
import { createEvent, UNDECODABLE_TYPE } from '@eventport/core/driver';
import { decodeEvent, encodeEvent, PROPERTY_PREFIX } from '../src/wire.js';

function received(
  data: { body: unknown; properties?: Record<string, unknown>; contentType?: string },
  partitionKey: string | null = null,
  sequenceNumber = 7,
): ReceivedEventData {
  return {
    body: data.body,
    properties: data.properties,
    contentType: data.contentType,
    partitionKey,
    sequenceNumber,
    offset: '1234',
    enqueuedTimeUtc: new Date('2026-01-02T03:04:05.000Z'),
    getRawAmqpMessage: () => {
      throw new Error('not used');
    },
  } as ReceivedEventData;
}

describe('AMQP binding (binary mode)', () => {
  it('round-trips attributes, extensions, JSON data and the key', () => {
    const event = createEvent({
      id: 'e-1',
      source: '/shop',
      type: 'order.created',
      subject: 's',
      dataschema: 'https://example.test/schema',
      key: 'cust-42',
      data: { total: 42, items: ['a'] },
      extensions: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tenant: 'x' },
    });
    const wire = encodeEvent(event);
    expect(wire.contentType).toBe('application/json');
    expect(wire.properties?.[`${PROPERTY_PREFIX}id`]).toBe('e-1');
    expect(wire.properties?.[`${PROPERTY_PREFIX}type`]).toBe('order.created');
    expect(wire.properties?.[`${PROPERTY_PREFIX}traceparent`]).toMatch(/^00-/);
    const back = decodeEvent('orders', '1', received(wire, 'cust-42')).event;
    expect(back.id).toBe('e-1');
    expect(back.source).toBe('/shop');
    expect(back.subject).toBe('s');
    expect(back.dataschema).toBe('https://example.test/schema');
    expect(back.time).toBe(event.time);
    expect(back.key).toBe('cust-42');
    expect(back.data).toEqual({ total: 42, items: ['a'] });
    expect(back.extensions).toEqual(event.extensions);
  });

  it('carries binary and non-UTF-8 payloads byte for byte, and events without data', () => {
    const bytes = new Uint8Array([0, 255, 254, 1, 0x80]);
    const wire = encodeEvent(createEvent({ source: '/s', type: 't', data: bytes }));
    const back = decodeEvent('h', '0', received(wire)).event;
    expect(Buffer.from(back.data as Uint8Array)).toEqual(Buffer.from(bytes));
    const empty = encodeEvent(createEvent({ source: '/s', type: 't' }));
    expect(decodeEvent('h', '0', received(empty)).event.data).toBeUndefined();
  });

  it('wraps an event of a plain producer: data, content type, key, time, id from its coordinates', () => {
    const d = decodeEvent(
      'orders',
      '2',
      received({ body: Buffer.from('hello'), contentType: 'text/plain' }, 'k', 9),
    );
    expect(d.undecodable).toBeUndefined();
    expect(d.event.type).toBe('eventport.plain');
    expect(d.event.id).toBe('orders/2/9');
    expect(d.event.source).toBe('/eventhubs/orders');
    expect(d.event.data).toBe('hello');
    expect(d.event.key).toBe('k');
    expect(d.event.time).toBe('2026-01-02T03:04:05.000Z');
    const value = decodeEvent('orders', '2', received({ body: { a: 1 } }));
    expect(Buffer.from(value.event.data as Uint8Array).toString()).toBe('{"a":1}');
  });

  it('reads structured mode', () => {
    const body = Buffer.from(
      JSON.stringify({ specversion: '1.0', id: 'x', source: '/s', type: 't', data: { a: 1 } }),
    );
    const d = decodeEvent('h', '0', received({ body, contentType: 'application/cloudevents+json' }));
    expect(d.event.id).toBe('x');
    expect(d.event.data).toEqual({ a: 1 });
  });

  it('never throws: broken CloudEvents properties come back undecodable with the reason and the bytes', () => {
    const bad = decodeEvent(
      'h',
      '3',
      received({
        body: Buffer.from('{oops'),
        contentType: 'application/json',
        properties: {
          'cloudEvents:specversion': '1.0',
          'cloudEvents:id': 'i',
          'cloudEvents:source': '/s',
          'cloudEvents:type': 't',
        },
      }),
    );
    expect(bad.undecodable).toMatch(/JSON/);
    expect(bad.event.type).toBe(UNDECODABLE_TYPE);
    expect(JSON.parse(String(bad.event.extensions.rawattributes))).toMatchObject({ 'cloudEvents:id': 'i' });
    expect(Buffer.from(bad.event.data as Uint8Array).toString()).toBe('{oops');
    const version = decodeEvent(
      'h',
      '3',
      received({
        body: Buffer.from('x'),
        properties: { 'cloudEvents:specversion': '0.1', 'cloudEvents:id': 'i' },
      }),
    );
    expect(version.undecodable).toBeDefined();
    const structured = decodeEvent(
      'h',
      '3',
      received({ body: Buffer.from('nope'), contentType: 'application/cloudevents+json' }),
    );
    expect(structured.undecodable).toMatch(/JSON/);
  });

  it('reads AMQP-typed application properties of other producers as strings', () => {
    const d = decodeEvent(
      'h',
      '0',
      received({
        body: Buffer.from('x'),
        properties: {
          'cloudEvents:specversion': '1.0',
          'cloudEvents:id': 'i',
          'cloudEvents:source': '/s',
          'cloudEvents:type': 't',
          'cloudEvents:time': new Date('2026-01-01T00:00:00.000Z'),
          'cloudEvents:count': 3,
        },
      }),
    );
    expect(d.undecodable).toBeUndefined();
    expect(d.event.time).toBe('2026-01-01T00:00:00.000Z');
    expect(d.event.extensions.count).toBe('3');
  });
});

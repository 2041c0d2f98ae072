import { createEvent, InvalidEventError } from '@eventport/core/driver';
import { parseEventGridConfig } from '../src/config.js';
import { toEventGridSchema } from '../src/eventgrid-schema.js';
import { fromEventGridSchema } from '../src/push-codec.js';

describe('Event Grid schema for basic-topic producers', () => {
  test('maps type, subject, time, data and dataversion; what the schema has no place for is not sent', () => {
    const event = createEvent({
      id: 'e1',
      source: '/shop',
      type: 'Shop.OrderCreated',
      subject: 'orders/1',
      time: '2026-01-02T03:04:05.000Z',
      key: 'k',
      extensions: { dataversion: '2.0', tenant: 'acme' },
      data: { total: 1 },
    });
    const wire = toEventGridSchema(event);
    expect(wire).toEqual({
      id: 'e1',
      subject: 'orders/1',
      eventType: 'Shop.OrderCreated',
      eventTime: '2026-01-02T03:04:05.000Z',
      dataVersion: '2.0',
      data: { total: 1 },
    });
    const back = fromEventGridSchema({ ...wire, topic: '/x/topics/orders', metadataVersion: '1' });
    expect(back).toMatchObject({
      id: 'e1',
      type: 'Shop.OrderCreated',
      subject: 'orders/1',
      source: '/x/topics/orders',
    });
    expect(toEventGridSchema(createEvent({ source: '/s', type: 't' }))).toMatchObject({
      subject: '',
      dataVersion: '1.0',
    });
  });

  test('binary data is refused; the option is for basic topics only and takes two values', () => {
    expect(() =>
      toEventGridSchema(createEvent({ source: '/s', type: 't', data: new Uint8Array([1]) })),
    ).toThrow(InvalidEventError);
    const url = new URL('eventgrid://127.0.0.1:6500/t?key=k');
    expect(parseEventGridConfig(url, { key: 'k', mode: 'basic', schema: 'eventgrid' }).config.schema).toBe(
      'eventgrid',
    );
    expect(parseEventGridConfig(url, { key: 'k' }).config.schema).toBe('cloudevents');
    expect(() => parseEventGridConfig(url, { key: 'k', schema: 'eventgrid' })).toThrow(/basic topics/);
    expect(() => parseEventGridConfig(url, { key: 'k', mode: 'basic', schema: 'custom' })).toThrow(/schema/);
  });
});

import { PushRequestError, type PushRequest } from '@eventport/core/driver';
import { eventGridPushCodec, VALIDATION_EVENT_TYPE } from '../src/push-codec.js';

function request(method: string, body: unknown, headers: Record<string, string> = {}): PushRequest {
  return {
    method,
    url: new URL('/eventgrid/t/g?secret=x', 'http://push.invalid'),
    headers,
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

describe('Event Grid push codec', () => {
  test('CloudEvents handshake: OPTIONS echoes WebHook-Request-Origin as WebHook-Allowed-Origin', () => {
    const answer = eventGridPushCodec.handshake!(
      request('OPTIONS', '', { 'webhook-request-origin': 'eventgrid.azure.net' }),
    );
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'WebHook-Allowed-Origin': 'eventgrid.azure.net' },
    });
    expect(eventGridPushCodec.handshake!(request('OPTIONS', ''))).toMatchObject({ status: 400 });
  });

  test('Event Grid schema handshake: answers the validationCode; a validation event without one is refused', () => {
    const validation = (data: unknown) =>
      request('POST', [{ id: '1', eventType: VALIDATION_EVENT_TYPE, data }], {
        'aeg-event-type': 'SubscriptionValidation',
      });
    const answer = eventGridPushCodec.handshake!(validation({ validationCode: 'abc' })) as { body: string };
    expect(JSON.parse(answer.body)).toEqual({ validationResponse: 'abc' });
    expect(() => eventGridPushCodec.handshake!(validation({}))).toThrow(PushRequestError);
    expect(
      eventGridPushCodec.handshake!(request('POST', [], { 'aeg-event-type': 'Notification' })),
    ).toBeUndefined();
  });

  test('CloudEvents: one event or a batch; the key and extensions kept; aeg-delivery-count + 1 is the attempt', () => {
    const ce = {
      specversion: '1.0',
      id: 'c1',
      source: '/s',
      type: 't',
      partitionkey: 'k',
      tenant: 'acme',
      data: { a: 1 },
    };
    const one = eventGridPushCodec.decode(request('POST', ce, { 'aeg-delivery-count': '2' }));
    expect(one).toHaveLength(1);
    expect(one[0]!.deliveryCount).toBe(3);
    expect(one[0]!.event).toMatchObject({
      id: 'c1',
      key: 'k',
      extensions: { tenant: 'acme' },
      data: { a: 1 },
    });
    const batch = eventGridPushCodec.decode(request('POST', [ce, { ...ce, id: 'c2' }]));
    expect(batch.map((p) => [p.event.id, p.deliveryCount])).toEqual([
      ['c1', 1],
      ['c2', 1],
    ]);
  });

  test('Event Grid schema events are mapped (topic -> source, eventType -> type, versions as extensions)', () => {
    const [pushed] = eventGridPushCodec.decode(
      request('POST', [
        {
          id: 'e1',
          topic: '/subscriptions/x/topics/orders',
          subject: 'orders/1',
          eventType: 'Shop.OrderCreated',
          eventTime: '2026-01-02T03:04:05Z',
          dataVersion: '1.0',
          metadataVersion: '1',
          data: { total: 3 },
        },
      ]),
    );
    expect(pushed!.undecodable).toBeUndefined();
    expect(pushed!.event).toMatchObject({
      id: 'e1',
      source: '/subscriptions/x/topics/orders',
      type: 'Shop.OrderCreated',
      subject: 'orders/1',
      data: { total: 3 },
      extensions: { dataversion: '1.0', metadataversion: '1' },
    });
  });

  test('a bad item is marked undecodable (dead-lettered unhandled); a body that is not JSON is refused as a whole', () => {
    const [bad] = eventGridPushCodec.decode(request('POST', [{ eventType: 'no id' }]));
    expect(bad!.undecodable).toEqual(expect.any(String));
    expect(() => eventGridPushCodec.decode(request('POST', '{nope'))).toThrow(PushRequestError);
    expect(() => eventGridPushCodec.decode(request('POST', []))).toThrow(PushRequestError);
  });

  test('answers: ack 200, retry 503, dead-letter 400 (not retried by the service) naming the reasons', () => {
    expect(eventGridPushCodec.answer('ack', [{ kind: 'ack' }]).status).toBe(200);
    expect(eventGridPushCodec.answer('retry', [{ kind: 'nack', delayMs: 0 }]).status).toBe(503);
    const dl = eventGridPushCodec.answer('dead-letter', [{ kind: 'dead-letter', reason: 'no customer' }]);
    expect(dl.status).toBe(400);
    expect(dl.body).toContain('no customer');
  });
});

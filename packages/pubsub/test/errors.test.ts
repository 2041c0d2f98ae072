import {
  BrokerUnavailableError,
  ConfigError,
  EventPortError,
  InvalidEventError,
  TopicNotFoundError,
} from '@eventport/core';
import { mapPubSubError, Status } from '../src/errors';

function grpc(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

describe('pubsub error mapping', () => {
  test('each portable code comes as the subclass a user catches', () => {
    const nf = mapPubSubError(grpc(Status.NOT_FOUND, 'Topic not found'), 'publish to orders', 'orders');
    expect(nf).toBeInstanceOf(TopicNotFoundError);
    expect((nf as TopicNotFoundError).topic).toBe('orders');
    expect(mapPubSubError(grpc(Status.UNAVAILABLE, 'down'), 'x')).toBeInstanceOf(BrokerUnavailableError);
    expect(mapPubSubError(new Error('connect ECONNREFUSED 127.0.0.1:1'), 'x')).toBeInstanceOf(
      BrokerUnavailableError,
    );
    expect(
      mapPubSubError(grpc(Status.INVALID_ARGUMENT, 'An attribute value is too long'), 'x'),
    ).toBeInstanceOf(InvalidEventError);
    expect(mapPubSubError(grpc(Status.INVALID_ARGUMENT, 'bad project'), 'x')).toBeInstanceOf(ConfigError);
  });

  test('retryable: unavailable, deadline, throttling, paused ordering key; not: permission, auth', () => {
    expect(mapPubSubError(grpc(Status.DEADLINE_EXCEEDED, 'slow'), 'x')).toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
    });
    expect(mapPubSubError(grpc(Status.RESOURCE_EXHAUSTED, 'quota'), 'x')).toMatchObject({
      code: 'THROTTLED',
      retryable: true,
    });
    expect(mapPubSubError(grpc(Status.PERMISSION_DENIED, 'no'), 'x')).toMatchObject({
      code: 'AUTHORIZATION',
      retryable: false,
    });
    expect(mapPubSubError(grpc(Status.UNAUTHENTICATED, 'no'), 'x')).toMatchObject({
      code: 'AUTHENTICATION',
      retryable: false,
    });
    const paused = mapPubSubError(
      new Error('Unable to publish for key "k". Reason: x. Call resumePublishing()'),
      'x',
    );
    expect(paused).toBeInstanceOf(BrokerUnavailableError);
    expect(paused.retryable).toBe(true);
  });

  test('an EventPortError passes through unchanged; the native error is the cause', () => {
    const own = new TopicNotFoundError('t');
    expect(mapPubSubError(own, 'x')).toBe(own);
    const native = grpc(Status.UNAVAILABLE, 'down');
    const mapped = mapPubSubError(native, 'x');
    expect(mapped.cause).toBe(native);
    expect(mapped).toBeInstanceOf(EventPortError);
  });
});

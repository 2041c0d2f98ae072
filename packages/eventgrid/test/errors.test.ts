import {
  BrokerUnavailableError,
  ConfigError,
  EventPortError,
  EventTooLargeError,
  InvalidEventError,
  TopicNotFoundError,
} from '@eventport/core/driver';
import { mapHttpFailure } from '../src/errors.js';

describe('mapHttpFailure', () => {
  test.each([
    [401, 'publish', EventPortError, 'AUTHENTICATION', false],
    [403, 'receive', EventPortError, 'AUTHORIZATION', false],
    [404, 'receive', TopicNotFoundError, 'TOPIC_NOT_FOUND', false],
    [413, 'publish', EventTooLargeError, 'EVENT_TOO_LARGE', false],
    [400, 'publish', InvalidEventError, 'INVALID_EVENT', false],
    [400, 'settle', ConfigError, 'INVALID_CONFIG', false],
    [408, 'publish', EventPortError, 'TIMEOUT', true],
    [429, 'publish', EventPortError, 'THROTTLED', true],
    [503, 'receive', BrokerUnavailableError, 'BROKER_UNAVAILABLE', true],
    [undefined, 'publish', BrokerUnavailableError, 'BROKER_UNAVAILABLE', true],
  ] as const)('HTTP %s on %s is %p %s (retryable %s)', (status, op, cls, code, retryable) => {
    const err = mapHttpFailure({ status, code: 'Some', message: 'text' }, op, 'to topic "t"', 't');
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(retryable);
    expect(err.message).toMatch(/Event Grid/);
  });

  test('a connection timeout is a retryable TIMEOUT; secrets in the text are redacted', () => {
    const err = mapHttpFailure(
      { status: undefined, code: 'ETIMEDOUT', message: 'SharedAccessSignature abc.def' },
      'publish',
      'x',
    );
    expect(err.code).toBe('TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(err.message).not.toMatch(/abc\.def/);
  });
});

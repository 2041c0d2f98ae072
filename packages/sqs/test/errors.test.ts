import { BrokerUnavailableError, EventPortError, TopicNotFoundError } from '@eventport/core';
import { awsErrorName, isGoneEntry, mapAwsError, mapEntryError } from '../src/errors';

/** An error shaped like the AWS SDK's service exceptions. */
function aws(
  name: string,
  fault: 'client' | 'server',
  status: number,
  extra: Record<string, unknown> = {},
): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('AWS error mapping', () => {
  test.each([
    ['RequestThrottled', 'THROTTLED', true],
    ['ThrottlingException', 'THROTTLED', true],
    ['KmsThrottled', 'THROTTLED', true],
    ['ServiceUnavailable', 'BROKER_UNAVAILABLE', true],
    ['InternalError', 'BROKER_UNAVAILABLE', true],
    ['AccessDenied', 'AUTHORIZATION', false],
    ['AccessDeniedException', 'AUTHORIZATION', false],
    ['AuthorizationError', 'AUTHORIZATION', false],
    ['InvalidClientTokenId', 'AUTHENTICATION', false],
    ['SignatureDoesNotMatch', 'AUTHENTICATION', false],
    ['MessageTooLong', 'EVENT_TOO_LARGE', false],
    ['BatchRequestTooLong', 'EVENT_TOO_LARGE', false],
    ['QueueDoesNotExist', 'TOPIC_NOT_FOUND', false],
    ['NotFoundException', 'TOPIC_NOT_FOUND', false],
    ['UnsupportedOperation', 'SEND_FAILED', false],
  ])('%s -> %s (retryable %s)', (name, code, retryable) => {
    const e = mapAwsError(
      aws(name, retryable ? 'server' : 'client', retryable ? 503 : 400),
      'send to queue q',
    );
    expect(e).toBeInstanceOf(EventPortError);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toContain('send to queue q');
    expect(e.cause).toBeDefined();
  });

  test('a missing queue names the topic', () => {
    const e = mapAwsError(aws('QueueDoesNotExist', 'client', 400), 'look up', 'orders');
    expect(e).toBeInstanceOf(TopicNotFoundError);
    expect(e.message).toContain('orders');
    expect(
      mapAwsError(aws('Other', 'client', 400, { Code: 'AWS.SimpleQueueService.NonExistentQueue' }), 'x', 't'),
    ).toBeInstanceOf(TopicNotFoundError);
  });

  test('network failures, timeouts and unknown server faults are retryable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9324'), { code: 'ECONNREFUSED' });
    expect(mapAwsError(refused, 'x')).toBeInstanceOf(BrokerUnavailableError);
    expect(mapAwsError(new Error('socket hang up'), 'x').retryable).toBe(true);
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(mapAwsError(timeout, 'x')).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(mapAwsError(aws('Weird', 'server', 500), 'x')).toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      retryable: true,
    });
    expect(mapAwsError(aws('Weird', 'client', 429), 'x')).toMatchObject({
      code: 'THROTTLED',
      retryable: true,
    });
    expect(mapAwsError(Object.assign(new Error('x'), { $retryable: { throttling: true } }), 'x').code).toBe(
      'THROTTLED',
    );
  });

  test('aborts, invalid messages, missing regions and EventPort errors', () => {
    expect(mapAwsError(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'x')).toMatchObject({
      code: 'ABORTED',
      retryable: false,
    });
    expect(mapAwsError(aws('InvalidMessageContents', 'client', 400), 'x').code).toBe('INVALID_EVENT');
    expect(mapAwsError(new Error('Region is missing'), 'x').code).toBe('INVALID_CONFIG');
    const own = new TopicNotFoundError('t');
    expect(mapAwsError(own, 'x')).toBe(own);
    expect(mapAwsError(undefined, 'x').retryable).toBe(true);
  });

  test('batch entries: known codes by name, else SenderFault decides', () => {
    expect(mapEntryError({ Code: 'RequestThrottled', SenderFault: false }, 'x')).toMatchObject({
      code: 'THROTTLED',
      retryable: true,
    });
    expect(mapEntryError({ Code: 'InternalError', SenderFault: false }, 'x').retryable).toBe(true);
    expect(mapEntryError({ Code: 'Mystery', SenderFault: false }, 'x').retryable).toBe(true);
    expect(mapEntryError({ Code: 'Mystery', SenderFault: true }, 'x')).toMatchObject({
      code: 'SEND_FAILED',
      retryable: false,
    });
    expect(mapEntryError({ Code: 'InvalidMessageContents', SenderFault: true }, 'x').code).toBe(
      'INVALID_EVENT',
    );
    expect(mapEntryError({ Code: 'MessageTooLong', SenderFault: true }, 'x').code).toBe('EVENT_TOO_LARGE');
    expect(mapEntryError({ Code: 'AccessDenied', SenderFault: true }, 'x').code).toBe('AUTHORIZATION');
    expect(mapEntryError({}, 'x').message).toContain('UnknownError');
  });

  test('gone entries and error names', () => {
    expect(isGoneEntry('ReceiptHandleIsInvalid')).toBe(true);
    expect(isGoneEntry('MessageNotInflight')).toBe(true);
    expect(isGoneEntry('InternalError')).toBe(false);
    expect(awsErrorName(aws('X', 'client', 400))).toBe('X');
    expect(awsErrorName(Object.assign(new Error('m'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(awsErrorName('nope')).toBeUndefined();
  });
});

describe('errors as jest (another realm) shows them', () => {
  test('the SDK wrapper of a network error is still retryable', () => {
    const wrapped = new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:9324');
    expect(mapAwsError(wrapped, 'x')).toMatchObject({ code: 'BROKER_UNAVAILABLE', retryable: true });
    const hangUp = new Error('AWS SDK error wrapper for TimeoutError: socket hang up');
    expect(mapAwsError(hangUp, 'x').retryable).toBe(true);
  });
});

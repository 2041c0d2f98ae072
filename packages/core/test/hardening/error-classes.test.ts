/**
 * Every error an adapter raises is the class a user catches for its code, whoever detected the
 * problem (EventPort before the network, or the broker): checked through the Kafka and SQS error
 * mappers, and for re-flagging an error's `retryable`.
 */
import {
  BrokerUnavailableError,
  ConfigError,
  EventPortError,
  EventTooLargeError,
  InvalidEventError,
  TopicNotFoundError,
  errorFromCode,
  withRetryable,
  type ErrorCode,
} from '../../src/errors/errors.js';
import { mapKafkaError } from '../../../kafka/src/errors.js';
import { mapAwsError, mapEntryError } from '../../../sqs/src/errors.js';

const CLASS_OF: Partial<Record<ErrorCode, new (...args: never[]) => EventPortError>> = {
  EVENT_TOO_LARGE: EventTooLargeError,
  INVALID_EVENT: InvalidEventError,
  INVALID_CONFIG: ConfigError,
  TOPIC_NOT_FOUND: TopicNotFoundError,
  BROKER_UNAVAILABLE: BrokerUnavailableError,
};

function expectRightClass(err: EventPortError): void {
  const cls = CLASS_OF[err.code];
  if (cls !== undefined) expect(err).toBeInstanceOf(cls);
}

function kafkaProtocol(type: string): Error {
  return Object.assign(new Error(`broker says ${type}`), {
    name: 'KafkaJSProtocolError',
    type,
    retriable: false,
  });
}

function aws(name: string, status: number): Error {
  return Object.assign(new Error(`${name}: refused`), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

describe('broker-detected errors have the class of their code', () => {
  it.each([
    'MESSAGE_TOO_LARGE',
    'UNKNOWN_TOPIC_OR_PARTITION',
    'INVALID_TOPIC_EXCEPTION',
    'POLICY_VIOLATION',
    'INVALID_RECORD',
  ])('kafka %s', (type) => {
    const withTopic = mapKafkaError(kafkaProtocol(type), 'sending', 'orders');
    const without = mapKafkaError(kafkaProtocol(type), 'sending');
    expectRightClass(withTopic);
    expectRightClass(without);
  });

  it('kafka MESSAGE_TOO_LARGE is an EventTooLargeError', () => {
    expect(mapKafkaError(kafkaProtocol('MESSAGE_TOO_LARGE'), 'sending')).toBeInstanceOf(EventTooLargeError);
  });

  it.each([
    ['MessageTooLong', 400],
    ['BatchRequestTooLong', 400],
    ['QueueDoesNotExist', 400],
    ['InvalidMessageContents', 400],
    ['InternalError', 500],
  ])('sqs %s', (name, status) => {
    expectRightClass(mapAwsError(aws(name, status), 'send to queue q'));
    expectRightClass(mapEntryError({ Code: name, SenderFault: status < 500 }, 'send'));
  });

  it('sqs MessageTooLong is an EventTooLargeError, in a request and in a batch entry', () => {
    expect(mapAwsError(aws('MessageTooLong', 400), 'send')).toBeInstanceOf(EventTooLargeError);
    expect(mapEntryError({ Code: 'MessageTooLong', SenderFault: true }, 'send')).toBeInstanceOf(
      EventTooLargeError,
    );
  });
});

describe('errorFromCode and withRetryable', () => {
  it.each(Object.keys(CLASS_OF) as ErrorCode[])('%s gets its class and keeps the message', (code) => {
    const err = errorFromCode(code, 'the broker said no', { retryable: false });
    expectRightClass(err);
    expect(err.code).toBe(code);
    expect(err.message).toContain('the broker said no');
  });

  it('withRetryable keeps the class, fields and cause', () => {
    const cause = new Error('native');
    const original = new TopicNotFoundError('orders', { cause });
    const copy = withRetryable(original, true);
    expect(copy).toBeInstanceOf(TopicNotFoundError);
    expect([copy.topic, copy.retryable, copy.cause, copy.message]).toEqual([
      'orders',
      true,
      cause,
      original.message,
    ]);
    expect(original.retryable).toBe(false);
  });
});

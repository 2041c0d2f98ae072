import kafkajs from 'kafkajs';
import { BrokerUnavailableError, EventPortError, TopicNotFoundError } from '@eventport/core';
import { isFenced, isStaleGeneration, mapKafkaError } from '../src/errors.js';

const {
  KafkaJSProtocolError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSSASLAuthenticationError,
  KafkaJSRequestTimeoutError,
} = kafkajs;

/** A protocol error as kafkajs builds it from a broker response. */
function protocol(type: string, retriable: boolean, code = 0): Error {
  return new KafkaJSProtocolError({
    message: `broker says ${type}`,
    type,
    code,
    retriable,
  } as unknown as Error);
}

describe('mapKafkaError', () => {
  it.each([
    ['LEADER_NOT_AVAILABLE', true],
    ['NOT_LEADER_FOR_PARTITION', true],
    ['NOT_COORDINATOR_FOR_GROUP', true],
    ['GROUP_COORDINATOR_NOT_AVAILABLE', true],
    ['NOT_ENOUGH_REPLICAS', true],
    ['REBALANCE_IN_PROGRESS', true],
  ])('%s is BROKER_UNAVAILABLE and retryable', (type, retriable) => {
    const e = mapKafkaError(protocol(type, retriable), 'sending to "t"');
    expect(e).toBeInstanceOf(BrokerUnavailableError);
    expect(e.code).toBe('BROKER_UNAVAILABLE');
    expect(e.retryable).toBe(true);
    expect(e.message).toContain(type);
  });

  it.each([
    ['SASL_AUTHENTICATION_FAILED', 'AUTHENTICATION'],
    ['TOPIC_AUTHORIZATION_FAILED', 'AUTHORIZATION'],
    ['GROUP_AUTHORIZATION_FAILED', 'AUTHORIZATION'],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'AUTHORIZATION'],
    ['MESSAGE_TOO_LARGE', 'EVENT_TOO_LARGE'],
    ['INVALID_PRODUCER_EPOCH', 'SEND_FAILED'],
    ['INVALID_RECORD', 'SEND_FAILED'],
    ['POLICY_VIOLATION', 'INVALID_CONFIG'],
  ])('%s is %s and not retryable', (type, code) => {
    const e = mapKafkaError(protocol(type, false), 'x');
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(false);
  });

  it('unwraps retries-exceeded wrappers to the real cause', () => {
    const cause = protocol('LEADER_NOT_AVAILABLE', true);
    const wrapped = new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 100 });
    const e = mapKafkaError(wrapped, 'sending');
    expect(e.code).toBe('BROKER_UNAVAILABLE');
    expect(e.cause).toBe(wrapped);
  });

  it('maps client-side errors: connection, timeout, SASL', () => {
    expect(
      mapKafkaError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'), 'x'),
    ).toBeInstanceOf(BrokerUnavailableError);
    const timeout = mapKafkaError(
      new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out'),
      'x',
    );
    expect([timeout.code, timeout.retryable]).toEqual(['TIMEOUT', true]);
    const sasl = mapKafkaError(
      new KafkaJSSASLAuthenticationError('SASL SCRAM SHA256 authentication failed'),
      'x',
    );
    expect([sasl.code, sasl.retryable]).toEqual(['AUTHENTICATION', false]);
  });

  it('turns UNKNOWN_TOPIC_OR_PARTITION into TopicNotFoundError when the topic is known', () => {
    const e = mapKafkaError(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), 'sending', 'orders');
    expect(e).toBeInstanceOf(TopicNotFoundError);
    expect(e.message).toContain('orders');
  });

  it('maps codes newer than kafkajs by number (THROTTLING_QUOTA_EXCEEDED, PRODUCER_FENCED)', () => {
    const throttled = mapKafkaError(protocol('KAFKAJS_UNKNOWN_ERROR_CODE', false, 89), 'x');
    expect([throttled.code, throttled.retryable]).toEqual(['THROTTLED', true]);
    expect(isFenced(protocol('KAFKAJS_UNKNOWN_ERROR_CODE', false, 90))).toBe(true);
  });

  it('passes EventPort errors through and classifies generations', () => {
    const own = new EventPortError('CLOSED', 'closed');
    expect(mapKafkaError(own, 'x')).toBe(own);
    expect(isStaleGeneration(protocol('ILLEGAL_GENERATION', false))).toBe(true);
    expect(isStaleGeneration(protocol('LEADER_NOT_AVAILABLE', true))).toBe(false);
    expect(mapKafkaError(new TypeError('boom'), 'x').code).toBe('INTERNAL');
  });

  it('redacts secrets that a native message may carry', () => {
    const e = mapKafkaError(
      new Error('failed for kafka://bob:topsecret@h:1 password=topsecret'),
      'connecting',
    );
    expect(String(e)).not.toContain('topsecret');
  });
});

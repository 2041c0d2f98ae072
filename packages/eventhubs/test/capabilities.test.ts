import { EventTooLargeError, TopicNotFoundError } from '@eventport/core';
import { capabilityVariants, eventHubsCapabilities, DEFAULT_MAX_EVENT_SIZE } from '../src/index.js';
import { mapEventHubsError } from '../src/errors.js';
import { startPosition } from '../src/receiver.js';

test('capabilities say what Event Hubs gives and what EventPort adds', () => {
  const c = eventHubsCapabilities(1000);
  expect(c.broker).toBe('eventhubs');
  expect(c.get('order.per-key').level).toBe('native');
  expect(c.get('consume.at-least-once').level).toBe('native');
  expect(c.get('consume.exactly-once').level).toBe('emulated');
  expect(c.get('nack').level).toBe('emulated');
  expect(c.get('dead-letter').level).toBe('emulated');
  expect(c.get('delayed-delivery').level).toBe('unsupported');
  expect(c.get('publish.idempotent').level).toBe('unsupported');
  expect(c.get('order.global').level).toBe('unsupported');
  expect(c.get('max-event-size').limit).toBe(1000);
  expect(Array.isArray(capabilityVariants) ? capabilityVariants[0]!.get('max-event-size').limit : 0).toBe(
    DEFAULT_MAX_EVENT_SIZE,
  );
});

test('native errors map to the portable classes with the right retryable flag', () => {
  const notFound = mapEventHubsError(
    Object.assign(new Error('no hub'), { code: 'MessagingEntityNotFoundError' }),
    'x',
    'orders',
  );
  expect(notFound).toBeInstanceOf(TopicNotFoundError);
  expect(notFound.retryable).toBe(false);
  const big = mapEventHubsError(Object.assign(new Error('big'), { code: 'MessageTooLargeError' }), 'x');
  expect(big).toBeInstanceOf(EventTooLargeError);
  const auth = mapEventHubsError(Object.assign(new Error('no'), { code: 'UnauthorizedError' }), 'x');
  expect([auth.code, auth.retryable]).toEqual(['AUTHENTICATION', false]);
  const busy = mapEventHubsError(Object.assign(new Error('busy'), { code: 'ServiceUnavailableError' }), 'x');
  expect([busy.code, busy.retryable]).toEqual(['BROKER_UNAVAILABLE', true]);
  const refused = mapEventHubsError(
    Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    'x',
  );
  expect(refused.retryable).toBe(true);
  const other = mapEventHubsError(new Error('odd'), 'x');
  expect([other.code, other.retryable]).toEqual(['SEND_FAILED', false]);
});

test('start positions: earliest, latest, a sequence number (one partition or all), a time', () => {
  expect(startPosition('earliest', ['0'])).toEqual({ offset: '-1' });
  expect(startPosition('latest', ['0'])).toEqual({ offset: '@latest' });
  expect(startPosition({ offset: 5 }, ['0', '1'])).toEqual({ sequenceNumber: 5, isInclusive: true });
  expect(startPosition({ offset: 5, partition: '1' }, ['0', '1'])).toEqual({
    '0': { offset: '-1' },
    '1': { sequenceNumber: 5, isInclusive: true },
  });
  const time = new Date('2026-01-01T00:00:00Z');
  expect(startPosition({ time }, ['0'])).toEqual({ enqueuedOn: time });
});

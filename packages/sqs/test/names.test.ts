import { ConfigError } from '@eventport/core';
import {
  deduplicationIdFor,
  groupIdFor,
  nameOfArn,
  queueName,
  queueNameOfUrl,
  snsTopicName,
} from '../src/names';

describe('native names', () => {
  test('topics map to queue names; "." and "~" become "_"; FIFO adds .fifo once', () => {
    expect(queueName('', 'orders', false)).toBe('orders');
    expect(queueName('', 'orders.dlq', false)).toBe('orders_dlq');
    expect(queueName('', 'a~b', false)).toBe('a_b');
    expect(queueName('', 'orders', true)).toBe('orders.fifo');
    expect(queueName('', 'orders.fifo', true)).toBe('orders.fifo');
    expect(queueName('dev-', 'orders', false)).toBe('dev-orders');
    expect(queueName('', 'orders', false, 'billing')).toBe('orders-billing');
    expect(queueName('', 'orders.fifo', true, 'billing')).toBe('orders-billing.fifo');
  });

  test('a .fifo topic on a standard connection is a ConfigError', () => {
    expect(() => queueName('', 'orders.fifo', false)).toThrow(ConfigError);
  });

  test('long names stay within the limit and stay distinct', () => {
    const a = queueName('', 'x'.repeat(200) + 'a', true);
    const b = queueName('', 'x'.repeat(200) + 'b', true);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a.endsWith('.fifo')).toBe(true);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]+\.fifo$/);
    expect(snsTopicName('', 'y'.repeat(300), false).length).toBeLessThanOrEqual(256);
  });

  test('group ids: the key when SQS takes it, else a digest; no key: the fallback', () => {
    expect(groupIdFor('customer-42', 'id')).toBe('customer-42');
    expect(groupIdFor(undefined, 'evt-1')).toBe('evt-1');
    const spaced = groupIdFor('customer 42', 'id');
    expect(spaced).toMatch(/^k-[A-Za-z0-9_-]{43}$/);
    expect(groupIdFor('customer 42', 'other')).toBe(spaced);
    expect(groupIdFor('', 'id')).toMatch(/^k-/);
    expect(groupIdFor('x'.repeat(129), 'id')).toMatch(/^k-/);
  });

  test('deduplication ids depend on source and id', () => {
    const a = deduplicationIdFor('/a', '1');
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(deduplicationIdFor('/a', '1')).toBe(a);
    expect(deduplicationIdFor('/b', '1')).not.toBe(a);
  });

  test('names of URLs and ARNs', () => {
    expect(queueNameOfUrl('http://127.0.0.1:9324/000000000000/orders.fifo')).toBe('orders.fifo');
    expect(queueNameOfUrl('https://sqs.us-east-1.amazonaws.com/1/q/')).toBe('q');
    expect(nameOfArn('arn:aws:sqs:us-east-1:123:orders')).toBe('orders');
  });
});

import { GUARANTEE_NAMES, UnsupportedGuaranteeError } from '@eventport/core';
import {
  declaredMaxEventSize,
  sqsCapabilities,
  SQS_MAX_MESSAGE_BYTES,
  SNS_MAX_MESSAGE_BYTES,
  ATTRIBUTE_RESERVE,
  MAX_DELAY_MS,
} from '../src/capabilities';

describe('SQS capability reports', () => {
  const standard = sqsCapabilities({ fifo: false, fanOut: false });
  const fifo = sqsCapabilities({ fifo: true, fanOut: false });
  const sns = sqsCapabilities({ fifo: false, fanOut: true });
  const fifoSns = sqsCapabilities({ fifo: true, fanOut: true });

  test('variants are named in the report', () => {
    expect([standard, fifo, sns, fifoSns].map((r) => r.label)).toEqual([
      'sqs (standard)',
      'sqs (fifo)',
      'sqs (standard+sns)',
      'sqs (fifo+sns)',
    ]);
    for (const r of [standard, fifo, sns, fifoSns])
      expect(Object.keys(r.entries).sort()).toEqual([...GUARANTEE_NAMES].sort());
  });

  test('FIFO adds per-key order and idempotent publish and loses per-message delay', () => {
    expect(standard.supports('order.per-key')).toBe(false);
    expect(fifo.isNative('order.per-key')).toBe(true);
    expect(standard.supports('publish.idempotent')).toBe(false);
    expect(fifo.isNative('publish.idempotent')).toBe(true);
    expect(standard.get('delayed-delivery')).toMatchObject({ level: 'native', limit: MAX_DELAY_MS });
    expect(fifo.supports('delayed-delivery')).toBe(false);
    expect(() => standard.assert(['order.per-key'])).toThrow(UnsupportedGuaranteeError);
  });

  test('fan-out only through SNS, with the SNS size limit and no delay', () => {
    expect(standard.supports('fan-out')).toBe(false);
    expect(sns.isNative('fan-out')).toBe(true);
    expect(standard.maxEventSize).toBe(declaredMaxEventSize(SQS_MAX_MESSAGE_BYTES));
    expect(sns.maxEventSize).toBe(declaredMaxEventSize(SNS_MAX_MESSAGE_BYTES));
    // a binary event at the declared limit still fits once base64-encoded
    expect(Math.ceil(standard.maxEventSize / 3) * 4 + ATTRIBUTE_RESERVE).toBeLessThanOrEqual(
      SQS_MAX_MESSAGE_BYTES + 4,
    );
    expect(sns.supports('delayed-delivery')).toBe(false);
  });

  test('shared: native nack, dead-letter, lease extension, batches; emulated exactly-once; no replay', () => {
    for (const r of [standard, fifo, sns, fifoSns]) {
      for (const g of [
        'nack',
        'redelivery-delay',
        'dead-letter',
        'lease-extension',
        'batch.publish',
        'batch.consume',
      ] as const) {
        expect(r.isNative(g)).toBe(true);
      }
      expect(r.get('consume.exactly-once').level).toBe('emulated');
      expect(r.get('consume.at-most-once').level).toBe('emulated');
      expect(r.supports('replay')).toBe(false);
      expect(r.supports('push')).toBe(false);
    }
  });
});

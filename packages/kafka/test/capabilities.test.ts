import { GUARANTEE_NAMES } from '@eventport/core';
import { kafkaCapabilities } from '../src/capabilities.js';
import { DEFAULT_MAX_EVENT_SIZE } from '../src/config.js';

describe('kafka capabilities', () => {
  const caps = kafkaCapabilities(DEFAULT_MAX_EVENT_SIZE);

  it('declares every guarantee with a reason', () => {
    for (const g of GUARANTEE_NAMES) expect(caps.get(g).detail.length).toBeGreaterThan(10);
  });

  it('says what is native, emulated and impossible on Kafka', () => {
    const level = (g: Parameters<typeof caps.get>[0]) => caps.get(g).level;
    expect(level('consume.at-least-once')).toBe('native');
    expect(level('order.per-key')).toBe('native');
    expect(level('replay')).toBe('native');
    expect(level('dead-letter')).toBe('emulated');
    expect(level('nack')).toBe('emulated');
    expect(level('consume.exactly-once')).toBe('emulated');
    expect(caps.get('consume.exactly-once').detail).toMatch(/transaction/);
    expect(level('order.global')).toBe('unsupported');
    expect(level('delayed-delivery')).toBe('unsupported');
    expect(level('push')).toBe('unsupported');
    expect(caps.maxEventSize).toBe(DEFAULT_MAX_EVENT_SIZE);
  });

  it('fails open-time requirements it cannot meet', () => {
    expect(() => caps.assert(['order.global'])).toThrow(/order.global/);
    expect(() => caps.assert(['consume.exactly-once', 'replay'])).not.toThrow();
  });
});

import { capabilityVariants, eventGridCapabilities } from '../src/index.js';

describe('capabilities', () => {
  test('two variants: namespace (pull) and basic (push)', () => {
    const variants = capabilityVariants as ReturnType<typeof eventGridCapabilities>[];
    expect(variants.map((v) => v.variant)).toEqual(['namespace', 'basic']);
  });

  test('namespace: honest about what Event Grid does not do', () => {
    const c = eventGridCapabilities('namespace');
    for (const g of [
      'order.per-key',
      'order.global',
      'replay',
      'delayed-delivery',
      'publish.idempotent',
      'push',
    ] as const)
      expect(c.get(g).level).toBe('unsupported');
    for (const g of [
      'nack',
      'redelivery-delay',
      'fan-out',
      'competing-consumers',
      'lease-extension',
      'pull',
    ] as const)
      expect(c.get(g).level).toBe('native');
    expect(c.get('dead-letter').level).toBe('emulated');
    expect(c.get('redelivery-delay').detail).toMatch(/rounds the delay UP/);
    expect(c.get('redelivery-delay').limit).toBe(3_600_000);
    expect(c.get('max-event-size').limit).toBeLessThan(1024 * 1024);
  });

  test('basic: consumed by push (native), no pull, no chosen redelivery delay, no ordering, no leases', () => {
    const c = eventGridCapabilities('basic');
    for (const g of [
      'publish.at-least-once',
      'consume.at-least-once',
      'push',
      'fan-out',
      'competing-consumers',
      'nack',
      'dead-letter',
      'batch.consume',
    ] as const) {
      expect(c.get(g).level).toBe('native');
    }
    expect(c.get('consume.exactly-once').level).toBe('emulated');
    for (const g of [
      'pull',
      'redelivery-delay',
      'order.per-key',
      'order.global',
      'replay',
      'lease-extension',
      'delayed-delivery',
    ] as const) {
      expect(c.get(g).level).toBe('unsupported');
    }
    expect(c.get('dead-letter').detail).toMatch(/400/);
    expect(c.get('nack').detail).toMatch(/503/);
  });
});

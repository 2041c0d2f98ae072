import { capabilityVariants, eventGridCapabilities } from '../src/index.js';

describe('capabilities', () => {
  test('two variants: namespace (pull) and basic (publish only)', () => {
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

  test('basic: publishing only; consuming is declared not offered yet', () => {
    const c = eventGridCapabilities('basic');
    expect(c.get('publish.at-least-once').level).toBe('native');
    for (const g of ['consume.at-least-once', 'pull', 'push', 'fan-out', 'dead-letter'] as const) {
      expect(c.get(g).level).toBe('unsupported');
    }
    expect(c.get('push').detail).toMatch(/no push receiver yet/);
  });
});

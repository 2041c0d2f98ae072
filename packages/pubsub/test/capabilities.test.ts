import { capabilityVariants } from '../src/index';
import { MAX_EVENT_SIZE, pubsubCapabilities, variantOf } from '../src/capabilities';

describe('pubsub capabilities', () => {
  test('per configuration: ordering on/off changes per-key order', () => {
    const ordered = pubsubCapabilities({ ordering: true, exactlyOnce: true });
    const unordered = pubsubCapabilities({ ordering: false, exactlyOnce: true });
    expect(ordered.get('order.per-key').level).toBe('native');
    expect(unordered.get('order.per-key').level).toBe('unsupported');
    expect(unordered.get('order.per-key').detail).toMatch(/ordering=true/);
  });

  test('exactly-once: emulated with or without exactly-once delivery subscriptions, saying how', () => {
    const eod = pubsubCapabilities({ ordering: true, exactlyOnce: true }).get('consume.exactly-once');
    const plain = pubsubCapabilities({ ordering: true, exactlyOnce: false }).get('consume.exactly-once');
    expect(eod.level).toBe('emulated');
    expect(eod.detail).toMatch(/enableExactlyOnceDelivery/);
    expect(plain.detail).not.toMatch(/enableExactlyOnceDelivery/);
  });

  test('unsupported guarantees say why; delayed delivery and idempotent publish are not offered', () => {
    const r = pubsubCapabilities({ ordering: true, exactlyOnce: true });
    for (const g of ['delayed-delivery', 'publish.idempotent', 'order.global', 'push'] as const) {
      expect(r.get(g).level).toBe('unsupported');
      expect(r.get(g).detail.length).toBeGreaterThan(10);
    }
    expect(r.missing(['delayed-delivery'])).toEqual([
      { guarantee: 'delayed-delivery', why: r.get('delayed-delivery').detail },
    ]);
  });

  test('nack: native on unordered configurations, retried in place where ordering keys are on', () => {
    expect(pubsubCapabilities({ ordering: false, exactlyOnce: true }).get('nack').level).toBe('native');
    const ordered = pubsubCapabilities({ ordering: true, exactlyOnce: true });
    expect(ordered.get('nack').level).toBe('emulated');
    expect(ordered.get('nack').detail).toMatch(/in place/);
    expect(ordered.get('redelivery-delay').level).toBe('emulated');
  });

  test('replay and retention: native with retention, saying how; unsupported with retention off', () => {
    const on = pubsubCapabilities({ ordering: true, exactlyOnce: true, retentionSeconds: 604_800 });
    expect(on.get('replay').level).toBe('native');
    expect(on.get('replay').detail).toMatch(/seek/i);
    expect(on.get('replay').detail).toMatch(/no offsets/);
    expect(on.get('retention').level).toBe('native');
    expect(on.get('retention').detail).toMatch(/retainAckedMessages/);
    expect(on.get('retention').limit).toBe(604_800_000);
    const off = pubsubCapabilities({ ordering: true, exactlyOnce: true, retentionSeconds: 0 });
    expect(off.get('replay').level).toBe('unsupported');
    expect(off.get('retention').level).toBe('unsupported');
    expect(off.get('replay').detail).toMatch(/retentionSeconds/);
    expect(off.variant).toBe('ordered+exactly-once+no-retention');
    // without a retention setting: the default (7 days)
    expect(pubsubCapabilities({ ordering: false, exactlyOnce: false }).get('replay').level).toBe('native');
  });

  test('limits: redelivery delay 600 s, event size under 10 MB', () => {
    const r = pubsubCapabilities({ ordering: false, exactlyOnce: false });
    expect(r.get('redelivery-delay').limit).toBe(600_000);
    expect(r.maxEventSize).toBe(MAX_EVENT_SIZE);
    expect(MAX_EVENT_SIZE).toBeLessThan(10_000_000);
  });

  test('capabilityVariants lists the four configurations with distinct labels', () => {
    expect(capabilityVariants.map((v) => v.variant)).toEqual([
      'ordered+exactly-once',
      'unordered+exactly-once',
      'ordered',
      'unordered',
    ]);
    expect(variantOf({ ordering: false, exactlyOnce: false })).toBe('unordered');
    for (const v of capabilityVariants) expect(v.broker).toBe('pubsub');
  });
});

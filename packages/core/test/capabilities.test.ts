import { CapabilityReport, describeGuarantee } from '../src/guarantees/capability-report.js';
import {
  GUARANTEES,
  GUARANTEE_NAMES,
  isGuarantee,
  type Capability,
  type Guarantee,
} from '../src/guarantees/vocabulary.js';
import { ConfigError, UnsupportedGuaranteeError } from '../src/errors/errors.js';
import { fakeCapabilities } from './helpers/fakes.js';

function allEntries(): Record<Guarantee, Capability> {
  const e = {} as Record<Guarantee, Capability>;
  for (const g of GUARANTEE_NAMES) e[g] = { level: 'native', detail: `does ${g}` };
  return e;
}

describe('guarantee vocabulary', () => {
  it('has a meaning for every word and recognises only its own words', () => {
    expect(GUARANTEE_NAMES.length).toBeGreaterThanOrEqual(20);
    for (const g of GUARANTEE_NAMES) {
      expect(isGuarantee(g)).toBe(true);
      expect(describeGuarantee(g)).toBe(GUARANTEES[g]);
      expect(GUARANTEES[g].length).toBeGreaterThan(10);
    }
    expect(isGuarantee('toString')).toBe(false);
    expect(isGuarantee('exactly-once')).toBe(false);
  });
});

describe('CapabilityReport', () => {
  it('refuses an incomplete report, naming the missing guarantee', () => {
    const entries = allEntries() as Partial<Record<Guarantee, Capability>>;
    delete entries.replay;
    expect(() => new CapabilityReport('x', 'default', entries as Record<Guarantee, Capability>)).toThrow(
      expect.objectContaining({
        option: 'capabilities',
        message: expect.stringContaining('x does not declare replay'),
      }),
    );
  });

  it('refuses unknown guarantees', () => {
    const entries = { ...allEntries(), teleport: { level: 'native', detail: 'x' } } as Record<
      Guarantee,
      Capability
    >;
    expect(() => new CapabilityReport('x', 'default', entries)).toThrow(ConfigError);
    expect(() => new CapabilityReport('x', 'default', entries)).toThrow(/unknown guarantee teleport/);
  });

  it('is immutable data', () => {
    const r = fakeCapabilities();
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.entries)).toBe(true);
    expect(() => {
      (r.entries as Record<string, Capability>).replay = { level: 'unsupported', detail: '' };
    }).toThrow(TypeError);
  });

  it('answers supports / isNative / get / maxEventSize', () => {
    const r = fakeCapabilities({
      replay: { level: 'unsupported', detail: 'queues delete on ack' },
      'dead-letter': { level: 'emulated', detail: 'produce to <topic>.dlq' },
      'max-event-size': { level: 'native', detail: '256 KiB', limit: 262_144 },
    });
    expect(r.supports('replay')).toBe(false);
    expect(r.supports('dead-letter')).toBe(true);
    expect(r.isNative('dead-letter')).toBe(false);
    expect(r.isNative('nack')).toBe(true);
    expect(r.get('dead-letter').detail).toBe('produce to <topic>.dlq');
    expect(r.maxEventSize).toBe(262_144);
    expect(fakeCapabilities().maxEventSize).toBe(Number.POSITIVE_INFINITY);
  });

  it('missing() / assert() name what is missing and why, including unknown names', () => {
    const r = fakeCapabilities(
      { 'order.global': { level: 'unsupported', detail: 'partitioned' } },
      'sqs',
      'fifo',
    );
    expect(r.missing(['nack', 'order.global', 'warp-speed'])).toEqual([
      { guarantee: 'order.global', why: 'partitioned' },
      {
        guarantee: 'warp-speed',
        why: expect.stringContaining('unknown guarantee; known: publish.at-most-once'),
      },
    ]);
    expect(() => r.assert(['nack'])).not.toThrow();
    let err: unknown;
    try {
      r.assert(['order.global']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedGuaranteeError);
    expect((err as UnsupportedGuaranteeError).broker).toBe('sqs (fifo)');
    expect((err as UnsupportedGuaranteeError).message).toBe(
      'sqs (fifo) cannot guarantee order.global (partitioned)',
    );
  });

  it('prints as a table with every guarantee, and as JSON', () => {
    const r = fakeCapabilities(
      { 'max-event-size': { level: 'native', detail: 'limit', limit: 1000 } },
      'fake',
      'v2',
    );
    const table = r.toTable();
    const lines = table.split('\n');
    expect(lines[0]).toBe('capabilities of fake (v2)');
    expect(lines[1]).toMatch(/^guarantee\s+level\s+detail$/);
    expect(lines[2]).toMatch(/^-+$/);
    expect(lines).toHaveLength(3 + GUARANTEE_NAMES.length);
    for (const g of GUARANTEE_NAMES)
      expect(table).toMatch(new RegExp(`^${g.replace('.', '\\.')}\\s+(native|unsupported)\\s+`, 'm'));
    expect(table).toMatch(/^push\s+unsupported\s+fake has no endpoints$/m);
    expect(table).toContain('limit [limit 1000]');
    expect(String(r)).toBe(table);
    const json = JSON.parse(JSON.stringify(r)) as ReturnType<CapabilityReport['toJSON']>;
    expect(json.broker).toBe('fake');
    expect(json.variant).toBe('v2');
    expect(Object.keys(json.guarantees).sort()).toEqual([...GUARANTEE_NAMES].sort());
    expect(json.guarantees['max-event-size']).toEqual({ level: 'native', detail: 'limit', limit: 1000 });
    expect(fakeCapabilities().label).toBe('fake');
  });
});

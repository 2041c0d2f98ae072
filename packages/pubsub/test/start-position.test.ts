import { ConfigError } from '@eventport/core';
import { seekTimeFor, toTimestamp } from '../src/start-position';

describe('where a new subscription starts', () => {
  const created = new Date('2026-01-10T12:00:00.250Z');

  test('earliest: before the longest retention Pub/Sub allows (31 days)', () => {
    const t = seekTimeFor('earliest', created, false)!;
    expect(created.getTime() - t.getTime()).toBeGreaterThan(31 * 24 * 3600 * 1000);
  });

  test('latest: no seek on the service; on an emulator, the time taken before the create request', () => {
    expect(seekTimeFor('latest', created, false)).toBeUndefined();
    expect(seekTimeFor('latest', created, true)).toBe(created);
  });

  test('a time: that time, on the service and on an emulator', () => {
    const at = new Date('2026-01-09T00:00:00.000Z');
    expect(seekTimeFor({ time: at }, created, false)).toBe(at);
    expect(seekTimeFor({ time: at }, created, true)).toBe(at);
  });

  test('an offset is a ConfigError naming `from` (Pub/Sub has no offsets)', () => {
    expect(() => seekTimeFor({ offset: 3 }, created, false)).toThrow(ConfigError);
    expect(() => seekTimeFor({ offset: 3 }, created, false)).toThrow(/from.*no offsets/s);
  });

  test('timestamps keep milliseconds as nanos', () => {
    expect(toTimestamp(created)).toEqual({
      seconds: Date.parse('2026-01-10T12:00:00Z') / 1000,
      nanos: 250_000_000,
    });
    expect(toTimestamp(new Date(999))).toEqual({ seconds: 0, nanos: 999_000_000 });
  });
});

import { RAW_ATTRIBUTES_EXTENSION, UNDECODABLE_TYPE, undecodable } from '../src/driver/index.js';

const raw = { body: new Uint8Array([1, 2, 3]), id: 'orders-0-42', source: '/kafka/orders' };

describe('undecodable', () => {
  test('keeps the raw attributes as one JSON extension beside the bytes and the reason', () => {
    const attributes = { 'ce-specversion': '9.9', 'content-type': 'text/plain', 'ce-id': '\u0000x' };
    const decoded = undecodable({ ...raw, attributes }, new Error('unknown specversion 9.9'));
    expect(decoded.undecodable).toBe('unknown specversion 9.9');
    expect(decoded.event.type).toBe(UNDECODABLE_TYPE);
    expect(decoded.event.data).toEqual(new Uint8Array([1, 2, 3]));
    const kept = JSON.parse(String(decoded.event.extensions[RAW_ATTRIBUTES_EXTENSION])) as Record<
      string,
      string
    >;
    expect(kept).toEqual({ 'ce-specversion': '9.9', 'content-type': 'text/plain', 'ce-id': '\ufffdx' });
  });

  test('attributes beyond 8 KiB are left out and counted', () => {
    const attributes = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, 'v'.repeat(1000)]));
    const decoded = undecodable({ ...raw, attributes }, 'bad');
    const text = String(decoded.event.extensions[RAW_ATTRIBUTES_EXTENSION]);
    expect(text.length).toBeLessThanOrEqual(8 * 1024 + 40);
    const kept = JSON.parse(text) as Record<string, string>;
    expect(Object.keys(kept)).toHaveLength(9);
    expect(kept['…']).toBe('12 more not kept');
  });

  test('no attributes, no extension', () => {
    expect(undecodable(raw, 'bad').event.extensions).toEqual({});
    expect(undecodable({ ...raw, attributes: {} }, 'bad').event.extensions).toEqual({});
  });
});

describe('undecodable: text the wrapper keeps', () => {
  test('control characters and lone surrogates are replaced; emoji (surrogate pairs) are kept', () => {
    const decoded = undecodable({ ...raw, key: 'k\u0001🙂\ud800' }, new Error('bad 🙂\u0000'));
    expect(decoded.event.key).toBe('k\ufffd🙂\ufffd');
    expect(decoded.undecodable).toBe('bad 🙂?');
  });

  test('a reason cut at its limit never ends in half a surrogate pair', () => {
    const decoded = undecodable(raw, new Error(`${'x'.repeat(511)}🙂`));
    expect(decoded.undecodable).toBe(`${'x'.repeat(511)}?`);
  });
});

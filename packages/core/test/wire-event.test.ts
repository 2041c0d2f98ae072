/**
 * The trusted fast path from codec to event (eventFromWire, BinaryDecoder): it skips createEvent's
 * generic input handling, not its rules — for every attribute set it must produce the same event
 * createEvent produces, or fail on the same attribute.
 */
import { BinaryDecoder } from '../src/codec/binary-decoder.js';
import { createEvent } from '../src/event/create-event.js';
import { eventFromWire, type WireAttributes } from '../src/event/wire-event.js';
import { InvalidEventError } from '../src/errors/errors.js';
import type { Event } from '../src/event/types.js';

const base: WireAttributes = {
  id: 'id-1',
  source: '/shop',
  type: 'order.created',
  specversion: '1.0',
  time: '2024-01-02T03:04:05.000Z',
  subject: 'orders/1',
  dataschema: 'https://example.com/schema',
  datacontenttype: 'application/octet-stream',
  key: 'k',
  extensions: undefined,
};

/** A defaulted time is "now" on both sides (compared as a shape: they may be a millisecond apart). */
function plain(e: Event, a: WireAttributes): unknown {
  const time = a.time === undefined && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(e.time!) ? 'now' : e.time;
  return { ...e, time, extensions: { ...e.extensions } };
}

function viaCreate(a: WireAttributes, data: unknown): unknown {
  try {
    const e = createEvent({ ...a, specversion: a.specversion as '1.0', data, extensions: a.extensions });
    if (a.id === undefined) return { error: 'id' };
    return plain(e, a);
  } catch (err) {
    return { error: (err as InvalidEventError).field };
  }
}

function viaWire(a: WireAttributes, data: unknown): unknown {
  try {
    const e = eventFromWire({ ...a, extensions: a.extensions && { ...a.extensions } }, data, 'ce_');
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.extensions)).toBe(true);
    return plain(e, a);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return { error: (err as InvalidEventError).field };
  }
}

const cases: [string, Partial<WireAttributes>, unknown][] = [
  ['valid, bytes', {}, new Uint8Array([1, 2])],
  ['valid, JSON data', { datacontenttype: 'application/json' }, { a: [1, 'x'] }, undefined],
  ['valid, text', { datacontenttype: 'text/plain' }, 'hi'],
  ['valid, extensions', { extensions: { region: 'eu', traceparent: '00-ab-cd-01' } }, undefined],
  ['no time, subject or schema', { time: undefined, subject: undefined, dataschema: undefined }, undefined],
  ['missing type', { type: undefined }, undefined],
  ['empty type', { type: '' }, undefined],
  ['control character in type', { type: 'a\u0001b' }, undefined],
  ['missing source', { source: undefined }, undefined],
  ['source not a URI-reference', { source: 'a b' }, undefined],
  ['relative dataschema', { dataschema: 'schema' }, undefined],
  ['missing id', { id: undefined }, undefined],
  ['missing id and type', { id: undefined, type: undefined }, undefined],
  ['empty id', { id: '' }, undefined],
  ['lone surrogate in id', { id: '\ud800' }, undefined],
  ['specversion 0.3', { specversion: '0.3' }, undefined],
  ['time without offset', { time: '2024-01-02T03:04:05' }, undefined],
  ['time not a date', { time: 'yesterday' }, undefined],
  ['empty subject', { subject: '' }, undefined],
  ['empty datacontenttype', { datacontenttype: '' }, undefined],
  ['upper-case extension name', { extensions: { Region: 'eu' } }, undefined],
  ['reserved extension name', { extensions: { data: 'x' } }, undefined],
  ['extension too long', { extensions: { abcdefghijklmnopqrstu: 'x' } }, undefined],
  ['control character in extension', { extensions: { region: '\u0000' } }, undefined],
  ['missing id and bad time', { id: undefined, time: 'x' }, undefined],
];

describe('eventFromWire: same event, or the same error, as createEvent', () => {
  it.each(cases)('%s', (_, change, data) => {
    const a = { ...base, ...change };
    // twice: the second run goes through the memos
    for (let i = 0; i < 2; i++) expect(viaWire(a, data)).toEqual(viaCreate(a, data));
  });

  it('freezes JSON data and refuses data deeper than createEvent allows', () => {
    const e = eventFromWire(base, { a: { b: 1 } }, 'ce_');
    expect(Object.isFrozen(e.data)).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 600; i++) deep = [deep];
    expect(() => eventFromWire(base, deep, 'ce_')).toThrow(expect.objectContaining({ field: 'data' }));
  });
});

describe('BinaryDecoder', () => {
  const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

  it('decodes byte and text headers in any case; repeated and changing values stay exact', () => {
    const d = new BinaryDecoder('ce_');
    for (let i = 0; i < 100; i++) {
      const e = d.decode(
        {
          ce_id: bytes(`id-${i}`),
          CE_SOURCE: bytes('/s'),
          ce_type: i % 3 === 0 ? bytes('t.a') : bytes('t.b'),
          ce_specversion: '1.0',
          ce_region: [bytes('old'), bytes(`r${i % 2}`)],
          ce_null: null,
          'content-type': bytes('application/json'),
          other: bytes('ignored'),
        },
        bytes(`{"n":${i}}`),
        `k${i}`,
      )!;
      expect([e.id, e.source, e.type, e.key, e.data, e.extensions]).toEqual([
        `id-${i}`,
        '/s',
        i % 3 === 0 ? 't.a' : 't.b',
        `k${i}`,
        { n: i },
        { region: `r${i % 2}` },
      ]);
    }
  });

  it('a message without specversion is plain (undefined); structured mode only when asked', () => {
    const d = new BinaryDecoder('ce-');
    expect(
      d.decode({ 'ce-id': '1', 'ce-type': 't', 'ce-source': '/s' }, undefined, undefined),
    ).toBeUndefined();
    const doc = Buffer.from(JSON.stringify({ specversion: '1.0', id: '9', source: '/s', type: 't' }));
    const headers = { 'content-type': 'application/cloudevents+json' };
    expect(d.decode(headers, doc, undefined)).toBeUndefined();
    expect(d.decode(headers, doc, 'k', true)).toMatchObject({ id: '9', key: 'k' });
  });

  it('a header value that is neither text nor bytes is an InvalidEventError naming the header', () => {
    const d = new BinaryDecoder('ce_');
    const headers = { ce_specversion: '1.0', ce_id: 7 } as unknown as Record<string, string>;
    expect(() => d.decode(headers, undefined, undefined)).toThrow(
      expect.objectContaining({ field: 'ce_id' }),
    );
  });
});

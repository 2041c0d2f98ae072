/**
 * Property-based tests of the Pub/Sub binding: random valid events round-trip exactly through a
 * message as the client delivers it (with ordering keys on and off); random attributes and bytes
 * never throw and always give an event or an undecodable reason.
 */
import fc from 'fast-check';
import { encodeData } from '@eventport/core/driver';
import { decodeMessage, encodeMessage, plainSource } from '../src/wire.js';
import { hostileHeaders, stringifiedExtensions, validEvent } from '../../core/test/helpers/arbitraries.js';

const RUNS = { numRuns: 300 };
const source = plainSource('p1', 't');

describe('Pub/Sub binding properties', () => {
  it('every valid event round-trips exactly (extensions as strings), ordering on and off', () => {
    fc.assert(
      fc.property(validEvent, fc.boolean(), (event, ordering) => {
        const m = encodeMessage(event, ordering);
        const decoded = decodeMessage(
          { messageId: 'm', data: m.data, attributes: m.attributes, orderingKey: m.orderingKey ?? '' },
          source,
        );
        if (!('event' in decoded)) throw new Error(decoded.undecodable);
        const structured = m.attributes['content-type'] === 'application/cloudevents+json';
        expect({ ...decoded.event }).toEqual({
          ...event,
          key: event.key === '' ? undefined : event.key,
          datacontenttype: encodeData(event).contentType,
          extensions: structured ? event.extensions : stringifiedExtensions(event),
        });
      }),
      RUNS,
    );
  });

  it('random attributes, data and ordering keys never throw', () => {
    fc.assert(
      fc.property(
        hostileHeaders,
        fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }),
        fc.string({ maxLength: 8 }),
        (headers, data, orderingKey) => {
          const attributes = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
          const decoded = decodeMessage({ messageId: 'm-1', data, attributes, orderingKey }, source);
          if ('event' in decoded) expect(decoded.event.id.length).toBeGreaterThan(0);
          else expect(decoded.undecodable.length).toBeGreaterThan(0);
        },
      ),
      RUNS,
    );
  });
});

/**
 * Property-based tests of core's CloudEvents codecs: random valid events round-trip exactly in
 * binary and structured mode; random headers and bytes never throw anything but a typed error.
 */
import fc from 'fast-check';
import { fromBinary, fromStructured, toBinary, toStructured } from '../../src/codec/cloudevents.js';
import { encodeData } from '../../src/codec/data.js';
import { EventPortError } from '../../src/errors/errors.js';
import type { Event } from '../../src/event/types.js';
import { hostileHeaders, stringifiedExtensions, validEvent } from '../helpers/arbitraries.js';

const RUNS = { numRuns: 300 };

/** What a decoder returns for `event`: the content type the encoder inferred is made explicit. */
function expected(event: Event, extensions = event.extensions): Record<string, unknown> {
  return { ...event, datacontenttype: encodeData(event).contentType, extensions };
}

describe('codec properties', () => {
  it('binary mode round-trips every valid event (extensions as strings)', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const back = fromBinary(toBinary(event, 'ce-'), 'ce-', { key: event.key });
        expect({ ...back }).toEqual(expected(event, stringifiedExtensions(event)));
      }),
      RUNS,
    );
  });

  it('structured mode round-trips every valid event (typed extensions)', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const back = fromStructured(toStructured(event).body!, { key: event.key });
        expect({ ...back }).toEqual(expected(event));
      }),
      RUNS,
    );
  });

  it('random headers and bytes throw nothing but EventPort errors', () => {
    fc.assert(
      fc.property(hostileHeaders, fc.uint8Array({ maxLength: 64 }), (headers, body) => {
        const textHeaders = Object.fromEntries(
          Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
        );
        for (const decode of [
          () => fromBinary({ headers: textHeaders, body }, 'ce_'),
          () => fromStructured(body),
        ]) {
          try {
            decode();
          } catch (err) {
            expect(err).toBeInstanceOf(EventPortError);
          }
        }
      }),
      RUNS,
    );
  });
});

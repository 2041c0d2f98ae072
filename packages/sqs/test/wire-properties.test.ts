/**
 * Property-based tests of the SQS wire format: random valid events round-trip exactly (typed
 * extensions); random attributes and bodies never throw and always yield an event.
 */
import fc from 'fast-check';
import { decodeMessage, encodeMessage, ATTR, type IncomingMessage } from '../src/wire.js';
import { encodeData } from '@eventport/core/driver';
import { validEvent } from '../../core/test/helpers/arbitraries.js';

const RUNS = { numRuns: 300 };

describe('SQS wire properties', () => {
  it('every valid event round-trips exactly', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const wire = encodeMessage(event);
        const decoded = decodeMessage(
          { MessageId: 'm', Body: wire.body, MessageAttributes: wire.attributes },
          'q',
        );
        expect(decoded.undecodable).toBeUndefined();
        expect({ ...decoded.event }).toEqual({ ...event, datacontenttype: encodeData(event).contentType });
      }),
      RUNS,
    );
  });

  it('random attributes and bodies never throw', () => {
    const names = fc.constantFrom(...Object.values(ATTR), 'other');
    const value = fc.oneof(
      fc.record({
        DataType: fc.constantFrom('String', 'Number', 'Binary'),
        StringValue: fc.oneof(fc.string(), fc.integer() as fc.Arbitrary<never>),
      }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.dictionary(names, value, { maxKeys: 8 }),
        fc.option(fc.string(), { nil: undefined }),
        (attrs, body) => {
          const m = { MessageId: 'm-1', Body: body, MessageAttributes: attrs } as IncomingMessage;
          const decoded = decodeMessage(m, 'http://q');
          expect(decoded.event.id.length).toBeGreaterThan(0);
        },
      ),
      RUNS,
    );
  });
});

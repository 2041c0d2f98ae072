/**
 * Property-based tests of the Event Hubs AMQP binding: random valid events round-trip exactly;
 * the adapter's decoder gives what core's generic binding codec (isStructured + fromBinary over
 * a header map) gives, for random and hostile
 * application properties, content types and bodies: the same event or the same undecodable
 * reason; it never throws.
 */
import fc from 'fast-check';
import type { ReceivedEventData } from '@azure/event-hubs';
import {
  encodeData,
  fromBinary,
  fromPlainMessage,
  fromStructured,
  InvalidEventError,
  isStructured,
  undecodable,
  type Decoded,
} from '@eventport/core/driver';
import { decodeEvent, encodeEvent, eventId, PROPERTY_PREFIX } from '../src/wire.js';
import { stringifiedExtensions, validEvent } from '../../core/test/helpers/arbitraries.js';

const RUNS = { numRuns: 300 };
const TIME = new Date('2026-01-02T03:04:05.000Z');

function received(
  body: unknown,
  properties: Record<string, unknown> | undefined,
  contentType: unknown,
  partitionKey: string | null,
): ReceivedEventData {
  return {
    body,
    properties,
    contentType,
    partitionKey,
    sequenceNumber: 7,
    offset: '1234',
    enqueuedTimeUtc: TIME,
    getRawAmqpMessage: () => {
      throw new Error('not used');
    },
  } as unknown as ReceivedEventData;
}

/**
 * The binding as specified, through core's generic codec: every property to text in a header map
 * (`content-type` in any spelling is one header, the later wins), the AMQP content type set last.
 */
function reference(hub: string, partition: string, r: ReceivedEventData): Decoded {
  const key = typeof r.partitionKey === 'string' ? r.partitionKey : undefined;
  let body: Uint8Array | undefined;
  try {
    const b = r.body as unknown;
    if (b !== undefined && b !== null) {
      const bytes =
        b instanceof Uint8Array
          ? b
          : typeof b === 'string'
            ? Buffer.from(b, 'utf8')
            : Buffer.from(JSON.stringify(b), 'utf8');
      body =
        bytes.byteLength === 0 ? undefined : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const headers: Record<string, string> = {};
    const props = r.properties ?? {};
    for (const name of Object.keys(props)) {
      const v = props[name] as unknown;
      const text =
        typeof v === 'string'
          ? v
          : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint'
            ? String(v)
            : v instanceof Date
              ? v.toISOString()
              : v instanceof Uint8Array
                ? Buffer.from(v).toString('base64')
                : undefined;
      if (text !== undefined) headers[name.toLowerCase() === 'content-type' ? 'content-type' : name] = text;
    }
    const contentType = typeof r.contentType === 'string' ? r.contentType : undefined;
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (isStructured(headers)) {
      if (body === undefined) throw new InvalidEventError('data', 'structured CloudEvent without a body');
      return { event: fromStructured(body, { key }) };
    }
    const event = fromBinary({ headers, body }, PROPERTY_PREFIX, { key });
    if (event !== undefined) return { event };
    return {
      event: fromPlainMessage({
        body,
        contentType,
        id: eventId(hub, partition, r.sequenceNumber),
        source: `/eventhubs/${hub}`,
        key,
        time: TIME,
      }),
    };
  } catch (err) {
    return undecodable(
      { body, id: eventId(hub, partition, r.sequenceNumber), source: `/eventhubs/${hub}`, key, time: TIME },
      err,
    );
  }
}

/**
 * Comparable form: what a decoder generates differs call to call — the id and time of an
 * undecodable wrapper, the time of an event that carried none (now: the input times are all
 * far from now) — so those are left out.
 */
function comparable(d: Decoded): unknown {
  const e = d.event;
  if (d.undecodable !== undefined)
    return { undecodable: d.undecodable, source: e.source, type: e.type, key: e.key, data: e.data };
  const generated = e.time !== undefined && Math.abs(Date.parse(e.time) - Date.now()) < 60_000;
  return { ...e, time: generated ? 'now' : e.time };
}

const propertyName = fc.oneof(
  fc.constantFrom(
    'cloudEvents:specversion',
    'cloudEvents:id',
    'cloudEvents:source',
    'cloudEvents:type',
    'cloudEvents:time',
    'cloudEvents:subject',
    'cloudEvents:dataschema',
    'cloudEvents:datacontenttype',
    'cloudEvents:tenant',
    'CloudEvents:ID',
    'cloudevents:type',
    'cloudEvents:',
    'cloudEvents:Bad-Name',
    'content-type',
    'Content-Type',
    'CONTENT-TYPE',
    'content-type ',
    '\u0130content-type', // lower-cases to a longer string
    'other',
  ),
  fc.string({ maxLength: 12 }),
);
const propertyValue = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('1.0', '0.3', '', 'i', '/s', 't', 'application/json', 'text/plain'),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.bigInt(), fc.constant(null), fc.constant(undefined)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(new Date('2026-01-01T00:00:00Z'), new Uint8Array([1, 2]), { a: 1 }),
  },
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/octet-stream',
  'text/plain',
  'application/cloudevents+json',
  'Application/CloudEvents+JSON; charset=utf-8',
  42,
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from('{"a":1}'),
    Buffer.from('{"specversion":"1.0","id":"x","source":"/s","type":"t","data":{"a":1}}'),
    Buffer.from('{oops'),
    'text',
    { value: 1 },
  ),
);

describe('Event Hubs binding properties', () => {
  it('every valid event round-trips exactly (extensions as strings)', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const wire = encodeEvent(event);
        const decoded = decodeEvent(
          'h',
          '0',
          received(wire.body, wire.properties, wire.contentType, event.key ?? null),
        );
        expect(decoded.undecodable).toBeUndefined();
        // Empty data (a zero-length string or byte array) is an empty AMQP data section, as no
        // data is: it arrives as no data (documented in the README).
        const empty = event.data === '' || (event.data instanceof Uint8Array && event.data.byteLength === 0);
        expect({ ...decoded.event }).toEqual({
          ...event,
          data: empty ? undefined : event.data,
          datacontenttype: encodeData(event).contentType,
          extensions: stringifiedExtensions(event),
        });
      }),
      RUNS,
    );
  });

  it("the adapter decodes exactly as core's generic codec over the header map, never throwing", () => {
    fc.assert(
      fc.property(
        fc.option(fc.dictionary(propertyName, propertyValue, { maxKeys: 10 }), { nil: undefined }),
        contentType,
        body,
        fc.option(fc.string({ maxLength: 6 }), { nil: null }),
        (properties, type, b, key) => {
          const r = received(b, properties, type, key);
          expect(comparable(decodeEvent('h', '1', r))).toEqual(comparable(reference('h', '1', r)));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

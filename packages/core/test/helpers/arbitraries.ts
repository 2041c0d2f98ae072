/**
 * fast-check arbitraries for wire-codec property tests (shared by core, kafka and sqs tests):
 * random valid events (unicode, binary, large and empty data, many extensions) and hostile
 * header/attribute maps.
 */
import fc from 'fast-check';
import { createEvent } from '../../src/event/create-event.js';
import { CORE_ATTRIBUTES, type Event } from '../../src/event/types.js';

/** Names an extension may not take: the context attributes, data and EventPort's key. */
const RESERVED = new Set<string>([...CORE_ATTRIBUTES, 'data', 'data_base64', 'key']);

/** Text allowed in CloudEvents context attributes: no control characters or noncharacters. */
export const ceText = (min = 1, max = 40): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'grapheme', minLength: min, maxLength: max })
    // eslint-disable-next-line no-control-regex -- filtering control characters out
    .filter((s) => !/[\u0000-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff]/.test(s) && s.length >= min);

const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
const source = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
  fc
    .tuple(segment, segment)
    .map(([h, p]) => `https://${h.replace(/[^A-Za-z0-9-]/g, 'h') || 'h'}.example/${p}`),
  fc.uuid().map((u) => `urn:uuid:${u}`),
);
const extName = fc.stringMatching(/^[a-z0-9]{1,20}$/).filter((n) => !RESERVED.has(n));
const extValue = fc.oneof(ceText(0, 30), fc.boolean(), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
/** JSON values as they come back from JSON.parse (no -0, no undefined). */
const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const data = fc.oneof(
  { weight: 3, arbitrary: json },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(64 * 1024)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, '', new Uint8Array(0)) },
);

/** A random valid event. */
export const validEvent: fc.Arbitrary<Event> = fc
  .record(
    {
      id: ceText(1, 36),
      source,
      type: ceText(1, 40),
      time: fc.date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2999-12-31T00:00:00Z'),
        noInvalidDate: true,
      }),
      subject: fc.option(ceText(1, 30), { nil: undefined }),
      dataschema: fc.option(fc.constant('https://example.com/schema.json'), { nil: undefined }),
      data,
      key: fc.option(ceText(1, 30), { nil: undefined }),
      extensions: fc.dictionary(extName, extValue, { maxKeys: 12 }),
    },
    { requiredKeys: ['id', 'source', 'type', 'time', 'data', 'extensions'] },
  )
  .map((input) => createEvent(input));

/** Hostile header maps: random names and values of any type, including null. */
export const hostileHeaders: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'ce_specversion',
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_time',
      'ce_x',
      'content-type',
      'ce_datacontenttype',
    ),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(
    fc.constant(null),
    fc.constantFrom('1.0', '0.3', '', 'application/cloudevents+json', 'application/json'),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
    fc.integer(),
    fc.constant(undefined),
  ),
  { maxKeys: 8 },
);

/** Extension values as binary mode carries them (strings). */
export function stringifiedExtensions(event: Event): Record<string, string> {
  return Object.fromEntries(Object.entries(event.extensions).map(([k, v]) => [k, String(v)]));
}

import { randomUuid } from './uuid.js';
import { EventPortError, InvalidEventError } from '../errors/errors.js';
import { absoluteUriProblem, uriReferenceProblem } from './uri.js';
import {
  EMPTY_EXTENSIONS,
  EXTENSION_MEMO,
  EXTENSION_NAME,
  RESERVED,
  RFC3339,
  VALID_SOURCES,
  checkCloudEventsString,
} from './attribute-checks.js';
import type { Event, EventInput, ExtensionValue } from './types.js';
import { FrozenEvent } from './frozen-event.js';
import { validateAndFreezeData } from './validate-data.js';

/**
 * Validates `input` and returns a frozen {@link Event}. Applies the defaults
 * (id: a random UUID, time: now, specversion: "1.0"). An object that already is an Event
 * (created here) is returned as is, so re-sending an event keeps its id.
 *
 * @throws InvalidEventError naming the field: missing/empty type or source, a
 *   specversion other than 1.0, an unparsable time, a bad extension name or value,
 *   unserialisable data (BigInt, cycles, functions, NaN).
 */
export function createEvent(input: EventInput | Event): Event {
  if (input === null || typeof input !== 'object') {
    throw new InvalidEventError('event', `expected an object, got ${input === null ? 'null' : typeof input}`);
  }
  if (input instanceof FrozenEvent) return input;
  if (Array.isArray(input)) throw new InvalidEventError('event', 'expected an object, got an array');
  try {
    return buildEvent(input);
  } catch (err) {
    if (err instanceof EventPortError) throw err;
    // A getter or Proxy trap of the caller's object threw, or data is nested beyond the stack.
    throw new InvalidEventError(
      'event',
      `reading the event failed: ${(err as Error)?.message ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
}

function buildEvent(input: EventInput): Event {
  const type = requiredString(input, 'type');
  const source = requiredString(input, 'source');
  if (!VALID_SOURCES.test(source)) {
    throw new InvalidEventError(
      'source',
      `"${source}" ${uriReferenceProblem(source) ?? 'is not a URI-reference'}`,
    );
  }
  const dataschema = optionalString(input, 'dataschema');
  const schemaProblem = dataschema === undefined ? undefined : absoluteUriProblem(dataschema);
  if (schemaProblem !== undefined)
    throw new InvalidEventError('dataschema', `"${dataschema}" ${schemaProblem}`);
  const id = input.id === undefined ? randomUuid() : requiredString(input, 'id');
  if (input.specversion !== undefined && input.specversion !== '1.0') {
    throw new InvalidEventError(
      'specversion',
      `only CloudEvents 1.0 is supported, got ${String(input.specversion)}`,
    );
  }
  return new FrozenEvent({
    id,
    source,
    type,
    time: normaliseTime(input.time),
    subject: optionalString(input, 'subject'),
    datacontenttype: optionalString(input, 'datacontenttype'),
    dataschema,
    data: validateAndFreezeData(input.data),
    key: optionalString(input, 'key'),
    extensions: validateExtensions(input.extensions),
  });
}

function requiredString(input: EventInput | Event, field: 'type' | 'source' | 'id'): string {
  const value = (input as unknown as Record<string, unknown>)[field];
  if (value === undefined || value === null) throw new InvalidEventError(field, 'is required');
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be a string, got ${typeof value}`);
  if (value.length === 0) throw new InvalidEventError(field, 'must not be empty');
  checkCloudEventsString(value, field);
  return value;
}

/** An optional attribute: absent, or a non-empty string (CloudEvents: "if present, MUST be non-empty"). */
function optionalString(input: EventInput | Event, field: string): string | undefined {
  const value = (input as unknown as Record<string, unknown>)[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be a string, got ${typeof value}`);
  if (field === 'key') return value; // EventPort's own attribute: any string, as brokers' keys are
  if (value.length === 0) throw new InvalidEventError(field, 'must not be empty when present');
  checkCloudEventsString(value, field);
  return value;
}

let lastMs = 0;
let lastIso = '';

/** "now" as RFC 3339, formatted at most once per millisecond. */
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

function normaliseTime(time: Date | string | undefined): string {
  if (time === undefined || time === null) return nowIso();
  if (typeof time !== 'string' && !(time instanceof Date)) {
    throw new InvalidEventError('time', `must be a Date or an RFC 3339 string, got ${typeof time}`);
  }
  const date = time instanceof Date ? time : new Date(time);
  if (typeof time === 'string' && !RFC3339.test(time)) {
    throw new InvalidEventError(
      'time',
      `"${time}" is not an RFC 3339 timestamp (e.g. 2024-01-01T00:00:00Z; the offset is required)`,
    );
  }
  if (Number.isNaN(date.getTime()))
    throw new InvalidEventError('time', `"${String(time)}" is not a valid time`);
  return typeof time === 'string' ? time : date.toISOString();
}

function validateExtensions(
  ext: Readonly<Record<string, ExtensionValue>> | undefined,
): Readonly<Record<string, ExtensionValue>> {
  if (ext === undefined) return EMPTY_EXTENSIONS;
  if (ext === null || typeof ext !== 'object' || Array.isArray(ext) || ext instanceof Map) {
    throw new InvalidEventError('extensions', 'must be a plain object of name → value');
  }
  const out: Record<string, ExtensionValue> = {};
  let any = false;
  for (const [name, value] of Object.entries(ext)) {
    if (!EXTENSION_NAME.test(name)) {
      throw new InvalidEventError(`extensions.${name}`, 'names are 1-20 lower-case letters or digits');
    }
    if (RESERVED.has(name)) throw new InvalidEventError(`extensions.${name}`, 'is a reserved attribute name');
    if (value === undefined) continue;
    const t = typeof value;
    if (t !== 'string' && t !== 'boolean' && !(t === 'number' && Number.isInteger(value))) {
      throw new InvalidEventError(`extensions.${name}`, 'must be a string, an integer or a boolean');
    }
    if (t === 'string' && !EXTENSION_MEMO.test(value as string)) {
      checkCloudEventsString(value as string, `extensions.${name}`, EXTENSION_MEMO);
    }
    out[name] = value;
    any = true;
  }
  return any ? Object.freeze(out) : EMPTY_EXTENSIONS;
}

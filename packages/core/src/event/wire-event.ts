import { InvalidEventError } from '../errors/errors.js';
import {
  EMPTY_EXTENSIONS,
  EXTENSION_MEMO,
  EXTENSION_NAME,
  RESERVED,
  RFC3339,
  VALID_SOURCES,
  checkCloudEventsString,
} from './attribute-checks.js';
import { nowIso } from './create-event.js';
import { FrozenEvent } from './frozen-event.js';
import { uriReferenceProblem, absoluteUriProblem } from './uri.js';
import type { Event } from './types.js';
import { validateAndFreezeData } from './validate-data.js';

/** Context attributes exactly as a codec read them from the wire (binary mode): strings, undefined = absent. */
export interface WireAttributes {
  id: string | undefined;
  source: string | undefined;
  type: string | undefined;
  specversion: string | undefined;
  time: string | undefined;
  subject: string | undefined;
  dataschema: string | undefined;
  datacontenttype: string | undefined;
  /** The broker's message key (EventPort's `key`: any string). */
  key: string | undefined;
  /** Extension attributes by lower-case name. The object is handed over: frozen in place, not copied. */
  extensions: Record<string, string> | undefined;
}

/**
 * The trusted fast path from codec to event: builds the frozen event from attributes a codec
 * has just read from the wire. Wire input is still untrusted, so every CloudEvents rule
 * `createEvent` applies is applied here too, with the same errors; what is skipped is what the
 * codec already guarantees — every value is a string or absent, the extensions object is the
 * codec's own (no copy), `data` is what `decodeData` returned (bytes and text need no walk).
 * A missing time is the receive time (as with createEvent); a missing id is an error (a
 * default id would make every redelivery a new event).
 *
 * @param prefix the header prefix, named in the error for a missing id (e.g. `ce_`).
 * @throws InvalidEventError naming the attribute, as `createEvent` does.
 */
export function eventFromWire(a: WireAttributes, data: unknown, prefix: string): Event {
  const type = required(a.type, 'type');
  const source = required(a.source, 'source');
  if (!VALID_SOURCES.test(source)) {
    throw new InvalidEventError(
      'source',
      `"${source}" ${uriReferenceProblem(source) ?? 'is not a URI-reference'}`,
    );
  }
  const dataschema = optional(a.dataschema, 'dataschema');
  const schemaProblem = dataschema === undefined ? undefined : absoluteUriProblem(dataschema);
  if (schemaProblem !== undefined)
    throw new InvalidEventError('dataschema', `"${dataschema}" ${schemaProblem}`);
  const id = a.id === undefined ? undefined : required(a.id, 'id');
  if (a.specversion !== '1.0') {
    throw new InvalidEventError(
      'specversion',
      `only CloudEvents 1.0 is supported, got ${String(a.specversion)}`,
    );
  }
  const time = wireTime(a.time);
  const subject = optional(a.subject, 'subject');
  const datacontenttype = optional(a.datacontenttype, 'datacontenttype');
  const frozenData =
    data === undefined || data instanceof Uint8Array || typeof data === 'string'
      ? data
      : validateAndFreezeData(data);
  const extensions = wireExtensions(a.extensions);
  // checked last, as createEvent-then-check did: every other problem is reported first
  if (id === undefined) throw new InvalidEventError('id', `${prefix}id is missing`);
  return new FrozenEvent({
    id,
    source,
    type,
    time,
    subject,
    datacontenttype,
    dataschema,
    data: frozenData,
    key: a.key,
    extensions,
  });
}

function required(value: string | undefined, field: 'type' | 'source' | 'id'): string {
  if (value === undefined) throw new InvalidEventError(field, 'is required');
  if (value.length === 0) throw new InvalidEventError(field, 'must not be empty');
  checkCloudEventsString(value, field);
  return value;
}

function optional(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length === 0) throw new InvalidEventError(field, 'must not be empty when present');
  checkCloudEventsString(value, field);
  return value;
}

/** The last time value that passed (events written in the same millisecond share it). */
let lastValidTime = '';

/** A wire time: an RFC 3339 string that is a real date (kept as sent); absent = now, as createEvent does. */
function wireTime(time: string | undefined): string {
  if (time === undefined) return nowIso();
  if (time === lastValidTime) return time;
  if (!RFC3339.test(time)) {
    throw new InvalidEventError(
      'time',
      `"${time}" is not an RFC 3339 timestamp (e.g. 2024-01-01T00:00:00Z; the offset is required)`,
    );
  }
  if (Number.isNaN(new Date(time).getTime()))
    throw new InvalidEventError('time', `"${time}" is not a valid time`);
  lastValidTime = time;
  return time;
}

/** Extension names already checked (a stream repeats them; bounded). */
const VALID_NAMES = new Set<string>();

function wireExtensions(ext: Record<string, string> | undefined): Readonly<Record<string, string>> {
  if (ext === undefined) return EMPTY_EXTENSIONS as Readonly<Record<string, string>>;
  for (const name in ext) {
    if (!VALID_NAMES.has(name)) {
      if (!EXTENSION_NAME.test(name)) {
        throw new InvalidEventError(`extensions.${name}`, 'names are 1-20 lower-case letters or digits');
      }
      if (RESERVED.has(name))
        throw new InvalidEventError(`extensions.${name}`, 'is a reserved attribute name');
      if (VALID_NAMES.size >= 1_000) VALID_NAMES.clear();
      VALID_NAMES.add(name);
    }
    const value = ext[name]!;
    if (!EXTENSION_MEMO.test(value)) checkCloudEventsString(value, `extensions.${name}`, EXTENSION_MEMO);
  }
  return Object.freeze(ext);
}

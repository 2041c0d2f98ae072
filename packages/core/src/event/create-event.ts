import { randomUUID } from 'node:crypto';
import { InvalidEventError } from '../errors/errors.js';
import type { Event, EventInput, ExtensionValue } from './types.js';
import { CORE_ATTRIBUTES } from './types.js';
import { FrozenEvent } from './frozen-event.js';
import { validateAndFreezeData } from './validate-data.js';

const EXTENSION_NAME = /^[a-z0-9]{1,20}$/;
const RESERVED = new Set<string>([...CORE_ATTRIBUTES, 'data', 'data_base64', 'key']);
const EMPTY_EXTENSIONS: Readonly<Record<string, ExtensionValue>> = Object.freeze({});

/**
 * Validates `input` and returns a frozen {@link Event}. Applies the defaults
 * (id: UUID, time: now, specversion: "1.0"). An object that already is an Event
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
  const type = requiredString(input, 'type');
  const source = requiredString(input, 'source');
  const id = input.id === undefined ? randomUUID() : requiredString(input, 'id');
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
    dataschema: optionalString(input, 'dataschema'),
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
  return value;
}

function optionalString(input: EventInput | Event, field: string): string | undefined {
  const value = (input as unknown as Record<string, unknown>)[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidEventError(field, `must be a string, got ${typeof value}`);
  return value;
}

let lastMs = 0;
let lastIso = '';

/** "now" as RFC 3339, formatted at most once per millisecond. */
function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

function normaliseTime(time: Date | string | undefined): string {
  if (time === undefined) return nowIso();
  const date = time instanceof Date ? time : new Date(time);
  if (typeof time === 'string' && !/^\d{4}-\d{2}-\d{2}T/.test(time)) {
    throw new InvalidEventError('time', `"${time}" is not an RFC 3339 timestamp`);
  }
  if (Number.isNaN(date.getTime()))
    throw new InvalidEventError('time', `"${String(time)}" is not a valid time`);
  return typeof time === 'string' ? time : date.toISOString();
}

function validateExtensions(
  ext: Readonly<Record<string, ExtensionValue>> | undefined,
): Readonly<Record<string, ExtensionValue>> {
  if (ext === undefined) return EMPTY_EXTENSIONS;
  if (ext === null || typeof ext !== 'object') throw new InvalidEventError('extensions', 'must be an object');
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
    out[name] = value;
    any = true;
  }
  return any ? Object.freeze(out) : EMPTY_EXTENSIONS;
}

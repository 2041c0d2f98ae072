import { InvalidEventError } from '../errors/errors.js';
import { FrozenEvent } from '../event/frozen-event.js';
import type { Event } from '../event/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export interface EncodedData {
  /** The payload bytes, or undefined when the event has no data. */
  readonly bytes: Uint8Array | undefined;
  /** The effective content type (the event's own, else inferred from the data). */
  readonly contentType: string | undefined;
}

/**
 * Encodes an event's data to bytes. Rules: `Uint8Array` is carried as is
 * (default type application/octet-stream); a string under a non-JSON content type
 * is UTF-8 text (default text/plain; charset=utf-8); anything else is JSON
 * (default application/json). Results are cached per event (events are immutable).
 */
export function encodeData(event: Event): EncodedData {
  return FrozenEvent.memo(event, encodeUncached);
}

function encodeUncached(event: Event): EncodedData {
  const { data, datacontenttype } = event;
  if (data === undefined) return { bytes: undefined, contentType: datacontenttype };
  if (data instanceof Uint8Array) {
    return { bytes: data, contentType: datacontenttype ?? 'application/octet-stream' };
  }
  if (typeof data === 'string' && !(datacontenttype !== undefined && isJson(datacontenttype))) {
    return { bytes: encoder.encode(data), contentType: datacontenttype ?? 'text/plain; charset=utf-8' };
  }
  return { bytes: encoder.encode(JSON.stringify(data)), contentType: datacontenttype ?? 'application/json' };
}

/** Whether a media type is JSON (`application/json`, `…+json`, `text/json`). */
export function isJson(contentType: string): boolean {
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return base === 'application/json' || base === 'text/json' || base.endsWith('+json');
}

/**
 * Decodes payload bytes by content type: JSON types are parsed (a parse failure
 * raises InvalidEventError("data")), `text/*` in UTF-8 (no charset, or charset
 * utf-8 / us-ascii) becomes a string, anything else (text in another charset,
 * no content type) stays a Uint8Array, so its bytes arrive unchanged.
 */
export function decodeData(bytes: Uint8Array | undefined, contentType: string | undefined): unknown {
  if (bytes === undefined) return undefined;
  if (contentType !== undefined && isJson(contentType)) {
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown;
    } catch (err) {
      throw new InvalidEventError('data', `payload is not valid JSON for ${contentType}`, { cause: err });
    }
  }
  if (contentType !== undefined && contentType.toLowerCase().startsWith('text/') && isUtf8Text(contentType)) {
    return decoder.decode(bytes);
  }
  return bytes;
}

/** Whether a text media type's charset parameter (if any) is UTF-8 or its subset US-ASCII. */
function isUtf8Text(contentType: string): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii';
}

/** UTF-8 byte length of a string without allocating. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * The size an event occupies on the wire in binary mode: payload bytes plus
 * every attribute name and value. Adapters compare it with their declared
 * maximum before sending; brokers add a little framing on top.
 *
 * Computed per event on every send, so it allocates nothing for binary (or no)
 * data, and attribute values that repeat from one event to the next (the same
 * source, type, content type, or a time formatted once per millisecond) are
 * measured once.
 */
export function eventSize(event: Event): number {
  const data = event.data;
  let size =
    data === undefined
      ? 0
      : data instanceof Uint8Array
        ? data.byteLength
        : (encodeData(event).bytes?.byteLength ?? 0);
  size += FIXED_ATTRIBUTES_SIZE + utf8Length(event.id);
  size += LAST_SOURCE.measure(event.source) + LAST_TYPE.measure(event.type);
  if (event.time !== undefined) size += ATTR_TIME + LAST_TIME.measure(event.time);
  if (event.subject !== undefined) size += attrSize('subject', event.subject);
  if (event.datacontenttype !== undefined)
    size += ATTR_CONTENT_TYPE + LAST_CONTENT_TYPE.measure(event.datacontenttype);
  if (event.dataschema !== undefined) size += attrSize('dataschema', event.dataschema);
  if (event.key !== undefined) size += attrSize('key', event.key);
  for (const name in event.extensions) size += attrSize(name, String(event.extensions[name]));
  return size;
}

function attrSize(name: string, value: string): number {
  return name.length + 3 + utf8Length(value);
}

/** The UTF-8 length of the last string measured in one attribute (strings are immutable: never stale). */
class LastLength {
  private value = '';
  private length = 0;

  measure(value: string): number {
    if (value !== this.value) {
      this.value = value;
      this.length = utf8Length(value);
    }
    return this.length;
  }
}

const LAST_SOURCE = new LastLength();
const LAST_TYPE = new LastLength();
const LAST_TIME = new LastLength();
const LAST_CONTENT_TYPE = new LastLength();
/** Names and separators of id, source and type (3 bytes each), plus 16 for specversion. */
const FIXED_ATTRIBUTES_SIZE = 'id'.length + 3 + 'source'.length + 3 + 'type'.length + 3 + 16;
const ATTR_TIME = 'time'.length + 3;
const ATTR_CONTENT_TYPE = 'datacontenttype'.length + 3;

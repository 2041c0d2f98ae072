import type { IHeaders, Message } from 'kafkajs';
import {
  STRUCTURED_CONTENT_TYPE,
  createEvent,
  decodeData,
  fromPlainMessage,
  fromStructured,
  InvalidEventError,
  toBinary,
  undecodable,
  type Decoded,
} from '@eventport/core/driver';
import type { Event } from '@eventport/core';

/**
 * The CloudEvents Kafka protocol binding. EventPort writes binary mode: attributes in `ce_`
 * headers, the data as the record value, its media type in `content-type`, the event key as the
 * record key. It reads binary mode, structured mode (`content-type: application/cloudevents+json`)
 * and records written by plain Kafka producers (no CloudEvents headers), which become events of
 * type `eventport.plain` with id `<topic>/<partition>/<offset>` and source `/kafka/<topic>`.
 */
export const HEADER_PREFIX = 'ce_';
export const PLAIN_TYPE = 'eventport.plain';

/** A record as fetched (the fields of kafkajs' KafkaMessage that matter here). */
export interface FetchedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
  readonly offset: string;
  readonly timestamp: string;
}

/** Encodes an event as a Kafka record (binary mode). */
export function encodeRecord(event: Event): Message {
  const { headers, body } = toBinary(event, HEADER_PREFIX);
  return {
    key: event.key ?? null,
    value: body === undefined ? null : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    headers,
  };
}

/** Record headers as strings (a header given several times: the last value wins). */
export function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const name of Object.keys(headers)) {
    let v = headers[name];
    if (Array.isArray(v)) v = v[v.length - 1];
    if (v === undefined) continue;
    out[name] = typeof v === 'string' ? v : v.toString('utf8');
  }
  return out;
}

/** The coordinates of a record, used as the id of plain records. */
export function recordId(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
}

/**
 * What a header name means; names repeat on every record, so each is classified once: a CloudEvents
 * core attribute (its index in CORE_ATTRIBUTE_NAMES), content-type, an extension, or nothing.
 */
const CORE_ATTRIBUTE_NAMES = [
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'subject',
  'dataschema',
  'datacontenttype',
];
const IGNORED = -1;
const CONTENT_TYPE = -2;
const EXTENSION = -3;
/** A header name's role, plus a one-entry cache of its last value (source, type… repeat on every record). */
interface HeaderRole {
  readonly code: number;
  readonly attr: string;
  cache: boolean;
  lastBytes: Buffer | undefined;
  lastText: string;
  hits: number;
  misses: number;
}
const roles = new Map<string, HeaderRole>();

function headerRole(rawName: string): HeaderRole {
  let role = roles.get(rawName);
  if (role === undefined) {
    const name = rawName.toLowerCase();
    let code = IGNORED;
    let attr = '';
    if (name === 'content-type') code = CONTENT_TYPE;
    else if (name.startsWith(HEADER_PREFIX) && name.length > HEADER_PREFIX.length) {
      attr = name.slice(HEADER_PREFIX.length);
      const index = CORE_ATTRIBUTE_NAMES.indexOf(attr);
      code = index >= 0 ? index : EXTENSION;
    }
    role = { code, attr, cache: code !== 0, lastBytes: undefined, lastText: '', hits: 0, misses: 0 };
    if (roles.size < 10_000) roles.set(rawName, role);
  }
  return role;
}

/**
 * A header value as text. Values that repeat record after record (source, type, specversion,
 * content-type) are compared with the previous bytes instead of being decoded again; a header whose
 * values keep changing (time, ids) stops being cached after a few dozen misses.
 */
function headerText(role: HeaderRole, v: Buffer): string {
  if (!role.cache) return v.toString('utf8');
  const last = role.lastBytes;
  if (last !== undefined && last.length === v.length && last.equals(v)) {
    role.hits++;
    return role.lastText;
  }
  const text = v.toString('utf8');
  if (++role.misses > 32 && role.misses > role.hits) role.cache = false;
  else if (v.length <= 256) {
    role.lastBytes = Buffer.from(v);
    role.lastText = text;
  }
  return text;
}

/** Whether a content type leaves the payload as bytes (asked of core's decodeData once per type). */
const bytesTypes = new Map<string, boolean>();
function decodeBody(body: Uint8Array | undefined, contentType: string | undefined): unknown {
  if (body === undefined || contentType === undefined) return body;
  let asBytes = bytesTypes.get(contentType);
  if (asBytes === undefined) {
    let probe: unknown;
    try {
      probe = decodeData(new Uint8Array(0), contentType);
    } catch {
      probe = undefined; // JSON: parsing nothing fails
    }
    asBytes = probe instanceof Uint8Array;
    if (bytesTypes.size < 1_000) bytesTypes.set(contentType, asBytes);
  }
  return asBytes ? body : decodeData(body, contentType);
}

/**
 * Decodes a fetched record. Never throws and never skips: a record without CloudEvents headers is
 * a plain event (lossless: its bytes, key and time); a record whose CloudEvents attributes or
 * structured body cannot be decoded comes back `undecodable` with the reason, wrapping its bytes,
 * and the portable layer dead-letters it — one bad record cannot stall or crash its partition.
 * Headers with a null value (legal in Kafka) carry nothing and are ignored. Binary mode is decoded
 * in one pass over the headers (the hot path).
 */
export function decodeRecord(topic: string, partition: number, record: FetchedRecord): Decoded {
  let key: string | undefined;
  let body: Uint8Array | undefined;
  try {
    key = record.key === null || record.key === undefined ? undefined : record.key.toString('utf8');
    const value = record.value;
    body =
      value === null || value === undefined
        ? undefined
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { event: decodeFields(topic, partition, record, key, body) };
  } catch (err) {
    const ms = Number(record.timestamp);
    return undecodable(
      {
        body,
        id: recordId(topic, partition, record.offset),
        source: `/kafka/${topic}`,
        key,
        time: Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined,
      },
      err,
    );
  }
}

function decodeFields(
  topic: string,
  partition: number,
  record: FetchedRecord,
  key: string | undefined,
  body: Uint8Array | undefined,
): Event {
  let id: string | undefined;
  let source: string | undefined;
  let type: string | undefined;
  let specversion: string | undefined;
  let time: string | undefined;
  let subject: string | undefined;
  let dataschema: string | undefined;
  let datacontenttype: string | undefined;
  let contentType: string | undefined;
  let extensions: Record<string, string> | undefined;
  const headers = record.headers;
  if (headers !== undefined) {
    const names = Object.keys(headers);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const role = headerRole(name);
      if (role.code === IGNORED) continue;
      let v: unknown = headers[name];
      if (Array.isArray(v)) v = v[v.length - 1];
      if (v === undefined || v === null) continue;
      const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? headerText(role, v) : badHeader(name);
      switch (role.code) {
        case 0:
          id = text;
          break;
        case 1:
          source = text;
          break;
        case 2:
          type = text;
          break;
        case 3:
          specversion = text;
          break;
        case 4:
          time = text;
          break;
        case 5:
          subject = text;
          break;
        case 6:
          dataschema = text;
          break;
        case 7:
          datacontenttype = text;
          break;
        case CONTENT_TYPE:
          contentType = text;
          break;
        default:
          (extensions ??= {})[role.attr] = text;
      }
    }
  }
  {
    if (
      contentType !== undefined &&
      body !== undefined &&
      contentType.toLowerCase().startsWith(STRUCTURED_CONTENT_TYPE)
    ) {
      return fromStructured(body, { key });
    }
    if (specversion !== undefined) {
      // On the wire `id` is required: a default id would make every redelivery a new event.
      if (id === undefined) throw new InvalidEventError('id', 'ce_id is missing');
      const mediaType = contentType ?? datacontenttype;
      return createEvent({
        id,
        source: source as string,
        type: type as string,
        specversion: specversion as '1.0',
        time,
        subject,
        dataschema,
        datacontenttype: mediaType,
        data: decodeBody(body, mediaType),
        key,
        extensions,
      });
    }
    return plain(topic, partition, record, contentType, key, body);
  }
}

function badHeader(name: string): never {
  throw new InvalidEventError(name, 'header value is neither bytes nor text');
}

function plain(
  topic: string,
  partition: number,
  record: FetchedRecord,
  contentType: string | undefined,
  key: string | undefined,
  body: Uint8Array | undefined,
): Event {
  const ms = Number(record.timestamp);
  try {
    return fromPlainMessage({
      body,
      contentType,
      id: recordId(topic, partition, record.offset),
      source: `/kafka/${topic}`,
      key,
      time: Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined,
    });
  } catch {
    // a content type that does not match the bytes (e.g. invalid JSON): keep the bytes
    return fromPlainMessage({
      body,
      contentType: 'application/octet-stream',
      id: recordId(topic, partition, record.offset),
      source: `/kafka/${topic}`,
      key,
      time: Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined,
    });
  }
}

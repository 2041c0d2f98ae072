import { InvalidEventError } from '../errors/errors.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput, ExtensionValue } from '../event/types.js';
import { decodeData, encodeData } from './data.js';

/**
 * CloudEvents protocol-binding codecs shared by adapters.
 *
 * Binary mode puts attributes in headers under a prefix (`ce_` for Kafka,
 * `ce-` for HTTP and Pub/Sub, `cloudEvents:` for AMQP) and the data in the body,
 * with the content type in `content-type`. Structured mode puts the whole event
 * in a JSON body (`application/cloudevents+json`). Extension values travel as
 * strings (CloudEvents' canonical string form); they decode as strings.
 */
export interface WireMessage {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}

export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
const CORE = ['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema'] as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Header names of the core attributes per prefix, made once (a name concatenated per event costs a string-table lookup as a key). */
const prefixedCore = new Map<string, readonly string[]>();

function coreHeaderNames(prefix: string): readonly string[] {
  let names = prefixedCore.get(prefix);
  if (names === undefined) {
    names = CORE.map((attr) => Object.keys({ [prefix + attr]: 0 })[0]!);
    prefixedCore.set(prefix, names);
  }
  return names;
}

/** Encodes an event in binary mode. The event key is not a CloudEvents attribute: map it yourself. */
export function toBinary(event: Event, prefix: string, contentTypeHeader = 'content-type'): WireMessage {
  const headers: Record<string, string> = {};
  const names = coreHeaderNames(prefix);
  for (let i = 0; i < CORE.length; i++) {
    const v = event[CORE[i]!];
    if (v !== undefined) headers[names[i]!] = v;
  }
  for (const name in event.extensions) headers[prefix + name] = String(event.extensions[name]);
  const { bytes, contentType } = encodeData(event);
  if (contentType !== undefined) headers[contentTypeHeader] = contentType;
  return { headers, body: bytes };
}

/**
 * Decodes a binary-mode message. Headers are matched case-insensitively. Returns
 * undefined when the message carries no CloudEvents attributes (a plain message:
 * see {@link fromPlainMessage}).
 * @throws InvalidEventError when attributes are present but invalid.
 */
export function fromBinary(
  message: WireMessage,
  prefix: string,
  extra: { key?: string } = {},
  contentTypeHeader = 'content-type',
): Event | undefined {
  const lowerPrefix = prefix.toLowerCase();
  const attrs: Record<string, string> = {};
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(message.headers)) {
    const lower = name.toLowerCase();
    if (lower === contentTypeHeader.toLowerCase()) contentType = value;
    else if (lower.startsWith(lowerPrefix)) attrs[lower.slice(lowerPrefix.length)] = value;
  }
  if (attrs.specversion === undefined) return undefined;
  const extensions: Record<string, ExtensionValue> = {};
  for (const [name, value] of Object.entries(attrs)) {
    if (!(CORE as readonly string[]).includes(name) && name !== 'datacontenttype') extensions[name] = value;
  }
  const input: EventInput = {
    id: attrs.id,
    source: attrs.source as string,
    type: attrs.type as string,
    specversion: attrs.specversion as '1.0',
    time: attrs.time,
    subject: attrs.subject,
    dataschema: attrs.dataschema,
    datacontenttype: contentType ?? attrs.datacontenttype,
    data: decodeData(message.body, contentType ?? attrs.datacontenttype),
    key: extra.key,
    extensions,
  };
  const event = createEvent(input);
  // On the wire `id` is required: a default id would make every redelivery a new event.
  if (attrs.id === undefined) throw new InvalidEventError('id', `${prefix}id is missing`);
  return event;
}

/** Encodes an event in structured mode (JSON; binary data as `data_base64`). */
export function toStructured(event: Event): WireMessage {
  const doc: Record<string, unknown> = {};
  for (const attr of CORE) if (event[attr] !== undefined) doc[attr] = event[attr];
  for (const name in event.extensions) doc[name] = event.extensions[name];
  const { bytes, contentType } = encodeData(event);
  if (contentType !== undefined) doc.datacontenttype = contentType;
  if (event.data instanceof Uint8Array) doc.data_base64 = Buffer.from(event.data).toString('base64');
  else if (bytes !== undefined) doc.data = typeof event.data === 'string' ? event.data : event.data;
  return { headers: { 'content-type': STRUCTURED_CONTENT_TYPE }, body: encoder.encode(JSON.stringify(doc)) };
}

/** Decodes a structured-mode body. @throws InvalidEventError on malformed JSON or attributes. */
export function fromStructured(body: Uint8Array, extra: { key?: string } = {}): Event {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(decoder.decode(body)) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidEventError('event', 'structured CloudEvent is not valid JSON', { cause: err });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InvalidEventError('event', 'structured CloudEvent must be a JSON object');
  }
  const extensions: Record<string, ExtensionValue> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (
      (CORE as readonly string[]).includes(name) ||
      ['data', 'data_base64', 'datacontenttype'].includes(name)
    ) {
      continue;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      extensions[name] = value;
    }
  }
  const data =
    typeof doc.data_base64 === 'string' ? new Uint8Array(Buffer.from(doc.data_base64, 'base64')) : doc.data;
  const event = createEvent({
    ...(doc as unknown as EventInput),
    data,
    key: extra.key,
    extensions,
  });
  if (doc.id === undefined) throw new InvalidEventError('id', 'is missing from the structured CloudEvent');
  return event;
}

/** Whether headers announce a structured-mode CloudEvent. */
export function isStructured(headers: Readonly<Record<string, string>>): boolean {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-type') return value.toLowerCase().startsWith(STRUCTURED_CONTENT_TYPE);
  }
  return false;
}

/**
 * Wraps a message written by a plain (non-EventPort) producer: data is the
 * payload (decoded by content type when one is known, else bytes), id and source
 * come from the broker's own coordinates, type is `eventport.plain`.
 */
export function fromPlainMessage(message: {
  body: Uint8Array | undefined;
  contentType?: string;
  id: string;
  source: string;
  key?: string;
  time?: Date | string;
}): Event {
  return createEvent({
    id: message.id,
    source: message.source,
    type: 'eventport.plain',
    time: message.time,
    datacontenttype: message.contentType,
    data: decodeData(message.body, message.contentType),
    key: message.key,
  });
}

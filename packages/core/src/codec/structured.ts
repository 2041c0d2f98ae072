import { InvalidEventError } from '../errors/errors.js';
import { createEvent } from '../event/create-event.js';
import type { Event, EventInput, ExtensionValue } from '../event/types.js';
import { encodeData, isJson } from './data.js';
import type { WireMessage } from './wire-message.js';

/** CloudEvents structured mode: the whole event in a JSON body (`application/cloudevents+json`). */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json';
const CORE = ['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema'] as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes an event in structured mode (JSON; binary data as `data_base64`). JSON data is last in
 * the document and written from the bytes `encodeData` already made (and cached) for it, so it is
 * serialized once; the output is byte for byte `JSON.stringify` of the whole document.
 */
export function toStructured(event: Event): WireMessage {
  const doc: Record<string, unknown> = {};
  for (const attr of CORE) if (event[attr] !== undefined) doc[attr] = event[attr];
  for (const name in event.extensions) doc[name] = event.extensions[name];
  const { bytes, contentType } = encodeData(event);
  if (contentType !== undefined) doc.datacontenttype = contentType;
  const headers = { 'content-type': STRUCTURED_CONTENT_TYPE };
  if (event.data instanceof Uint8Array) doc.data_base64 = Buffer.from(event.data).toString('base64');
  else if (bytes !== undefined && (typeof event.data !== 'string' || isJson(contentType ?? ''))) {
    // `bytes` is JSON.stringify(data) (see encodeData): spliced in as the last member
    const head = encoder.encode(JSON.stringify(doc));
    const member = encoder.encode(head.byteLength > 2 ? ',"data":' : '"data":');
    const body = new Uint8Array(head.byteLength - 1 + member.byteLength + bytes.byteLength + 1);
    body.set(head.subarray(0, head.byteLength - 1), 0);
    body.set(member, head.byteLength - 1);
    body.set(bytes, head.byteLength - 1 + member.byteLength);
    body[body.byteLength - 1] = 0x7d; // }
    return { headers, body };
  } else if (bytes !== undefined) doc.data = event.data;
  return { headers, body: encoder.encode(JSON.stringify(doc)) };
}

/** Decodes a structured-mode body. @throws InvalidEventError on malformed JSON or attributes. */
export function fromStructured(body: Uint8Array, extra: { key?: string } = {}): Event {
  let doc: unknown;
  try {
    doc = JSON.parse(decoder.decode(body));
  } catch (err) {
    throw new InvalidEventError('event', 'structured CloudEvent is not valid JSON', { cause: err });
  }
  return fromStructuredObject(doc, extra);
}

/**
 * Decodes a structured CloudEvent that is already parsed JSON (e.g. one member of a batch whose
 * body was parsed as a whole), exactly as {@link fromStructured} decodes its text: without
 * serializing it again. The document is read, not kept or changed.
 * @throws InvalidEventError when it is not an object or its attributes are invalid.
 */
export function fromStructuredObject(value: unknown, extra: { key?: string } = {}): Event {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidEventError('event', 'structured CloudEvent must be a JSON object');
  }
  const doc = value as Record<string, unknown>;
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

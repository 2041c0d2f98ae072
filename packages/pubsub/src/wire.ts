import type { Event } from '@eventport/core/driver';
import {
  InvalidEventError,
  createEvent,
  decodeData,
  fromBinary,
  fromPlainMessage,
  fromStructured,
  isJson,
  isStructured,
  toBinary,
  toStructured,
} from '@eventport/core/driver';

/**
 * The Pub/Sub message format: the CloudEvents Pub/Sub protocol binding. Binary content mode:
 * attributes `ce-<name>`, `content-type` for datacontenttype, the data as the message data. The
 * event key travels as the ordering key (ordering on) or the attribute `eventport-key` (off).
 * Structured mode (`content-type: application/cloudevents+json`) is read, and written when an
 * attribute would break Pub/Sub's limits (100 attributes, 1024-byte values).
 */
export const CE_PREFIX = 'ce-';
export const KEY_ATTRIBUTE = 'eventport-key';
/** Attribute carrying why a message EventPort could not decode was dead-lettered. */
export const UNDECODABLE_ATTRIBUTE = 'eventport-undecodable';
const MAX_ATTRIBUTES = 100;
const MAX_ATTRIBUTE_VALUE_BYTES = 1024;
const MAX_ATTRIBUTE_KEY_BYTES = 256;

/** A message ready for `publishMessage`. */
export interface OutgoingMessage {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
  readonly orderingKey: string | undefined;
  /** Bytes on the wire: data + attribute names and values + ordering key. */
  readonly size: number;
}

/** The parts of a received Pub/Sub message the decoder reads. */
export interface IncomingMessage {
  readonly messageId: string;
  readonly data: Uint8Array | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey?: string;
  readonly publishTime?: Date;
}

/** Encodes an event for publishing. `ordering`: put the key in the ordering key. */
export function encodeMessage(event: Event, ordering: boolean): OutgoingMessage {
  let wire = toBinary(event, CE_PREFIX);
  // One pass checks Pub/Sub's attribute limits and sums the attribute bytes (hot path).
  let attributeBytes = binaryAttributeBytes(wire.headers);
  if (attributeBytes < 0) {
    wire = toStructured(event);
    attributeBytes = binaryAttributeBytes(wire.headers);
  }
  // toBinary and toStructured return a fresh headers object: it becomes the attributes as it is.
  const attributes = wire.headers as Record<string, string>;
  let orderingKey: string | undefined;
  let keyBytes = 0;
  if (event.key !== undefined && event.key !== '') {
    keyBytes = Buffer.byteLength(event.key);
    if (ordering) orderingKey = event.key;
    else {
      attributes[KEY_ATTRIBUTE] = event.key;
      keyBytes += KEY_ATTRIBUTE.length;
    }
  }
  const data =
    wire.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength);
  return { data, attributes, orderingKey, size: data.byteLength + Math.max(0, attributeBytes) + keyBytes };
}

/**
 * Bytes of the attributes' names and values, or -1 when they break Pub/Sub's limits (100
 * attributes, one kept for the key; 256-byte names, 1024-byte values).
 */
function binaryAttributeBytes(headers: Readonly<Record<string, string>>): number {
  let n = 0;
  let bytes = 0;
  for (const name in headers) {
    n++;
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(headers[name]!);
    if (nameBytes > MAX_ATTRIBUTE_KEY_BYTES || valueBytes > MAX_ATTRIBUTE_VALUE_BYTES) return -1;
    bytes += nameBytes + valueBytes;
  }
  return n <= MAX_ATTRIBUTES - 1 ? bytes : -1;
}

/** A decoded message: an event, or why the message cannot become one without losing anything. */
export type Decoded = { readonly event: Event } | { readonly undecodable: string };

/**
 * Decodes a received message. CloudEvents in binary or structured mode become their event; a
 * message with no CloudEvents metadata (any Pub/Sub publisher) becomes a plain event (data = the
 * payload, id = the message id, source = the topic). A message whose CloudEvents metadata is
 * broken becomes a plain event when nothing is lost by that (its only attribute is a content
 * type: the bytes are kept as they are), else it is undecodable, with the reason.
 */
export function decodeMessage(m: IncomingMessage, source: string): Decoded {
  const attributes = m.attributes;
  const key = m.orderingKey || attributes[KEY_ATTRIBUTE] || undefined;
  const body = bodyOf(m);
  try {
    if (isStructured(attributes)) {
      if (body === undefined)
        throw new InvalidEventError('event', 'structured CloudEvent with an empty body');
      return { event: fromStructured(body, { key }) };
    }
    const event = fromBinary({ headers: attributes, body }, CE_PREFIX, { key });
    if (event !== undefined) return { event };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (!onlyContentType(attributes)) return { undecodable: reason };
    return { event: plain(m, source, key, true) };
  }
  try {
    return { event: plain(m, source, key, false) };
  } catch (err) {
    return { undecodable: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The payload: Pub/Sub has no "no data" distinct from empty data, so empty data is an empty
 * payload when the message names a non-JSON content type (empty bytes, an empty string), and no
 * data otherwise.
 */
function bodyOf(m: IncomingMessage): Uint8Array | undefined {
  if (m.data !== undefined && m.data.byteLength > 0) return m.data;
  const contentType = contentTypeOf(m.attributes);
  // Empty is no JSON document: an event with a JSON content type and no data.
  return contentType !== undefined && !isJson(contentType) ? new Uint8Array(0) : undefined;
}

function onlyContentType(attributes: Readonly<Record<string, string>>): boolean {
  return Object.keys(attributes).every((k) => k.toLowerCase() === 'content-type' || k === KEY_ATTRIBUTE);
}

/** A plain event; `raw`: keep the payload as bytes (its content type did not decode). */
function plain(m: IncomingMessage, source: string, key: string | undefined, raw: boolean): Event {
  const contentType = contentTypeOf(m.attributes);
  const body = m.data !== undefined && m.data.byteLength > 0 ? new Uint8Array(m.data) : undefined;
  if (!raw) {
    try {
      decodeData(body, contentType);
      return fromPlainMessage({ body, contentType, id: m.messageId, source, key, time: m.publishTime });
    } catch {
      // fall through: keep the bytes
    }
  }
  return createEvent({
    id: m.messageId,
    source,
    type: 'eventport.plain',
    time: m.publishTime,
    datacontenttype: contentType,
    data: body ?? new Uint8Array(0),
    key,
  });
}

function contentTypeOf(attributes: Readonly<Record<string, string>>): string | undefined {
  for (const k in attributes) if (k.toLowerCase() === 'content-type') return attributes[k];
  return undefined;
}

/** The CloudEvents source of plain messages of a topic. */
export function plainSource(projectId: string, topic: string): string {
  return `//pubsub.googleapis.com/projects/${projectId}/topics/${topic}`;
}

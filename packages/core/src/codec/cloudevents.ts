import { createEvent } from '../event/create-event.js';
import type { Event } from '../event/types.js';
import { binaryDecoder } from './binary-decoder.js';
import { decodeData, encodeData } from './data.js';
import { STRUCTURED_CONTENT_TYPE } from './structured.js';
import type { WireMessage } from './wire-message.js';

/**
 * CloudEvents protocol-binding codecs shared by adapters.
 *
 * Binary mode puts attributes in headers under a prefix (`ce_` for Kafka,
 * `ce-` for HTTP and Pub/Sub, `cloudEvents:` for AMQP) and the data in the body,
 * with the content type in `content-type`. Structured mode puts the whole event
 * in a JSON body (`application/cloudevents+json`). Extension values travel as
 * strings (CloudEvents' canonical string form); they decode as strings.
 */
export type { WireMessage } from './wire-message.js';

export { STRUCTURED_CONTENT_TYPE, toStructured, fromStructured, fromStructuredObject } from './structured.js';
const CORE = ['id', 'source', 'type', 'specversion', 'time', 'subject', 'dataschema'] as const;

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
  return binaryDecoder(prefix, contentTypeHeader).decode(message.headers, message.body, extra.key);
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

import {
  createEvent,
  encodeData,
  fromPlainMessage,
  isJson,
  InvalidEventError,
  undecodable,
  type Decoded,
} from '@eventport/core/driver';
import type { Event } from '@eventport/core/driver';

/**
 * The SQS wire format of an event (SQS has no CloudEvents binding; this is
 * EventPort's, kept within SQS's limit of 10 message attributes). Documented in
 * the package README ("Wire format").
 *
 * Body: the event data as text (JSON for JSON data). What the body holds is told
 * by `ep_body` when it is not plain text: `base64` (text with characters SQS
 * cannot carry), `binary` (bytes, base64), `empty` / `empty-binary` (zero-length
 * data) and `none` (no data); the last three carry a placeholder body.
 *
 * Attributes (all DataType String): `ce_specversion`, `ce_id`, `ce_source`,
 * `ce_type`, `ce_time`, `ce_subject`, `ce_dataschema`, `content-type`
 * (datacontenttype), `ep_key` (the event key; FIFO also sets MessageGroupId),
 * `ep_body`, and `ce_ext`: a JSON object of every extension attribute, typed.
 * An attribute that SQS cannot carry as its own (empty value, characters outside
 * SQS's set) or that would be the 11th moves into `ce_ext` under its
 * CloudEvents name (dataschema first, then subject, time, key, datacontenttype).
 */
export const ATTR = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  subject: 'ce_subject',
  dataschema: 'ce_dataschema',
  datacontenttype: 'content-type',
  key: 'ep_key',
  ext: 'ce_ext',
  body: 'ep_body',
} as const;

export const MAX_ATTRIBUTES = 10;
const STRING = 'String';
const PLACEHOLDER = '-';
/** Attributes that may move into `ce_ext`, in the order they move when there are too many. */
const MOVABLE = ['dataschema', 'subject', 'time', 'key', 'datacontenttype'] as const;
type BodyMode = 'base64' | 'binary' | 'empty' | 'empty-binary' | 'none';

/** A string message attribute, in the shape both SQS and SNS take. */
export interface StringAttribute {
  DataType: string;
  StringValue: string;
}

/** An event as an SQS (or SNS) message. */
export interface EncodedMessage {
  readonly body: string;
  readonly attributes: Record<string, StringAttribute>;
  /** Bytes SQS counts against its limit: body plus every attribute's name, data type and value. */
  readonly size: number;
}

const cache = new WeakMap<Event, EncodedMessage>();

/** Encodes an event (cached: events are immutable). */
export function encodeMessage(event: Event): EncodedMessage {
  let hit = cache.get(event);
  if (hit === undefined) {
    hit = encodeUncached(event);
    cache.set(event, hit);
  }
  return hit;
}

function encodeUncached(event: Event): EncodedMessage {
  const { bytes, contentType } = encodeData(event);
  let body: string;
  let mode: BodyMode | undefined;
  let bodySize: number;
  if (bytes === undefined) {
    mode = 'none';
    body = PLACEHOLDER;
    bodySize = 1;
  } else if (bytes.byteLength === 0) {
    mode = event.data instanceof Uint8Array ? 'empty-binary' : 'empty';
    body = PLACEHOLDER;
    bodySize = 1;
  } else if (event.data instanceof Uint8Array) {
    mode = 'binary';
    body = base64(bytes);
    bodySize = body.length;
  } else {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    if (isSqsText(text)) {
      body = text;
      bodySize = bytes.byteLength;
    } else {
      mode = 'base64';
      body = base64(bytes);
      bodySize = body.length;
    }
  }

  // Individual attributes, in order; the rest goes into ce_ext.
  const single = new Map<string, string>();
  const packed: Record<string, string | number | boolean> = { ...event.extensions };
  const put = (name: keyof typeof ATTR, value: string | undefined): void => {
    if (value === undefined) return;
    if (value !== '' && isSqsText(value)) single.set(name, value);
    else packed[name] = value;
  };
  single.set('specversion', '1.0');
  put('id', event.id);
  put('source', event.source);
  put('type', event.type);
  put('time', event.time);
  put('datacontenttype', contentType);
  put('subject', event.subject);
  put('dataschema', event.dataschema);
  put('key', event.key);
  const reserved = mode === undefined ? 0 : 1;
  let extCount = Object.keys(packed).length > 0 ? 1 : 0;
  for (const name of MOVABLE) {
    if (single.size + extCount + reserved <= MAX_ATTRIBUTES) break;
    const value = single.get(name);
    if (value === undefined) continue;
    single.delete(name);
    packed[name] = value;
    extCount = 1;
  }

  const attributes: Record<string, StringAttribute> = {};
  let size = bodySize;
  const add = (name: string, value: string): void => {
    attributes[name] = { DataType: STRING, StringValue: value };
    size += name.length + STRING.length + Buffer.byteLength(value, 'utf8');
  };
  for (const [name, value] of single) add(ATTR[name as keyof typeof ATTR], value);
  if (extCount > 0) add(ATTR.ext, safeJson(packed));
  if (mode !== undefined) add(ATTR.body, mode);
  return { body, attributes, size };
}

/** What `decodeMessage` needs of a received message (SQS's shape). */
export interface IncomingMessage {
  readonly MessageId?: string;
  readonly Body?: string;
  readonly MessageAttributes?: Record<string, { StringValue?: string; DataType?: string } | undefined>;
  readonly Attributes?: Partial<Record<string, string>>;
}

/**
 * Decodes a received message. Never throws and never drops. A message without `ce_specversion`
 * came from a plain SQS (or SNS) producer: it becomes an event of type `eventport.plain` whose
 * data is the body (as text, or parsed when its `content-type` attribute says JSON, else bytes
 * when the body is not that JSON), id the MessageId, source `plainSource`, key the MessageGroupId
 * and time the SentTimestamp — lossless. A CloudEvent that does not decode (bad `ce_ext`, an
 * unknown body mode, data that is not the JSON its content type says, invalid attributes) comes
 * back `undecodable` with the reason, wrapping the body's bytes: the portable layer dead-letters it.
 */
export function decodeMessage(m: IncomingMessage, plainSource: string): Decoded {
  try {
    const attrs = m.MessageAttributes ?? {};
    const get = (name: string): string | undefined => {
      const v = attrs[name]?.StringValue;
      return typeof v === 'string' ? v : undefined;
    };
    if (get(ATTR.specversion) !== undefined) return { event: decodeCloudEvent(m, get) };
    try {
      return { event: plain(m, plainSource, get(ATTR.datacontenttype) ?? 'text/plain; charset=utf-8') };
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      return { event: plain(m, plainSource, undefined) };
    }
  } catch (err) {
    const sent = Number(m.Attributes?.SentTimestamp);
    return undecodable(
      {
        body: typeof m.Body === 'string' ? new Uint8Array(Buffer.from(m.Body, 'utf8')) : undefined,
        id: typeof m.MessageId === 'string' ? m.MessageId : 'unknown',
        source: plainSource,
        key: m.Attributes?.MessageGroupId,
        time: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
        attributes: stringAttributes(m.MessageAttributes),
      },
      err,
    );
  }
}

function decodeCloudEvent(m: IncomingMessage, get: (name: string) => string | undefined): Event {
  const core: Record<string, string | undefined> = {};
  for (const name of Object.keys(ATTR) as (keyof typeof ATTR)[]) {
    if (name !== 'ext' && name !== 'body') core[name] = get(ATTR[name]);
  }
  const extensions: Record<string, string | number | boolean> = {};
  const ext = get(ATTR.ext);
  if (ext !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(ext);
    } catch (err) {
      throw new InvalidEventError('extensions', `${ATTR.ext} is not valid JSON`, { cause: err });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidEventError('extensions', `${ATTR.ext} must be a JSON object`);
    }
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (Object.hasOwn(ATTR, name) && name !== 'ext' && name !== 'body') {
        if (typeof value !== 'string')
          throw new InvalidEventError(name, `${ATTR.ext}.${name} must be a string`);
        core[name] = value;
      } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        extensions[name] = value;
      } else {
        throw new InvalidEventError(`extensions.${name}`, 'must be a string, a number or a boolean');
      }
    }
  }
  const contentType = core.datacontenttype;
  // On the wire `id` is required: a default id would make every redelivery a new event.
  if (core.id === undefined) throw new InvalidEventError('id', `${ATTR.id} is missing`);
  return createEvent({
    id: core.id,
    source: core.source as string,
    type: core.type as string,
    specversion: core.specversion as '1.0',
    time: core.time,
    subject: core.subject,
    dataschema: core.dataschema,
    datacontenttype: contentType,
    key: core.key,
    extensions,
    data: decodeBody(m.Body ?? '', get(ATTR.body), contentType),
  });
}

function decodeBody(body: string, mode: string | undefined, contentType: string | undefined): unknown {
  const json = contentType !== undefined && isJson(contentType);
  switch (mode) {
    case undefined:
      return json ? parseJson(body, contentType) : body;
    case 'base64': {
      const text = Buffer.from(body, 'base64').toString('utf8');
      return json ? parseJson(text, contentType) : text;
    }
    case 'binary':
      return new Uint8Array(Buffer.from(body, 'base64'));
    case 'empty':
      return '';
    case 'empty-binary':
      return new Uint8Array(0);
    case 'none':
      return undefined;
    default:
      throw new InvalidEventError('data', `unknown ${ATTR.body} "${mode}"`);
  }
}

function parseJson(text: string, contentType: string | undefined): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InvalidEventError('data', `payload is not valid JSON for ${String(contentType)}`, {
      cause: err,
    });
  }
}

function plain(m: IncomingMessage, source: string, contentType: string | undefined): Event {
  const sent = Number(m.Attributes?.SentTimestamp);
  return fromPlainMessage({
    body: new Uint8Array(Buffer.from(m.Body ?? '', 'utf8')),
    contentType,
    id: m.MessageId ?? 'unknown',
    source,
    key: m.Attributes?.MessageGroupId,
    time: Number.isFinite(sent) && sent > 0 ? new Date(sent) : undefined,
  });
}

/**
 * Whether SQS accepts `s` as a body or attribute value: #x9 | #xA | #xD |
 * #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF (well-formed surrogate pairs).
 */
export function isSqsText(s: string): boolean {
  return !NOT_SQS_TEXT.test(s);
}

const NOT_SQS_TEXT = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** JSON that SQS can carry: the characters JSON.stringify leaves raw but SQS refuses are escaped. */
function safeJson(value: unknown): string {
  const json = JSON.stringify(value);
  return isSqsText(json)
    ? json
    : json.replace(/[\ufffe\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The message attributes with a string value, as undecodable() keeps them for the dead letter. */
function stringAttributes(attrs: IncomingMessage['MessageAttributes']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(attrs ?? {}))
    if (typeof v?.StringValue === 'string') out[name] = v.StringValue;
  return out;
}

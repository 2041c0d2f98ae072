import type { EventData, ReceivedEventData } from '@azure/event-hubs';
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
 * The CloudEvents AMQP protocol binding, binary mode: attributes as `cloudEvents:` application
 * properties, the data as one AMQP data section, its media type in the AMQP `content-type`
 * property, the event key as the batch's partition key. Reads binary mode, structured mode
 * (`content-type: application/cloudevents+json`) and events written by any plain Event Hubs
 * producer: those become events of type `eventport.plain` with id `<hub>/<partition>/<sequence>`
 * and source `/eventhubs/<hub>`.
 */
export const PROPERTY_PREFIX = 'cloudEvents:';
const CONTENT_TYPE = 'content-type';

/** Encodes an event as EventData (binary mode). */
export function encodeEvent(event: Event): EventData {
  const { headers, body } = toBinary(event, PROPERTY_PREFIX, CONTENT_TYPE);
  const properties: Record<string, string> = {};
  let contentType: string | undefined;
  for (const name in headers) {
    if (name === CONTENT_TYPE) contentType = headers[name];
    else properties[name] = headers[name]!;
  }
  const bytes =
    body === undefined ? Buffer.alloc(0) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const data: EventData = { body: bytes, properties };
  if (contentType !== undefined) data.contentType = contentType;
  return data;
}

/** The coordinates of an event, used as the id of plain events. */
export function eventId(hub: string, partition: string, sequenceNumber: number): string {
  return `${hub}/${partition}/${sequenceNumber}`;
}

/**
 * Decodes a received event. Never throws and never skips: a plain event (no CloudEvents
 * properties) is wrapped losslessly; one whose CloudEvents properties or structured body cannot be
 * decoded comes back `undecodable` with the reason and its bytes, and the portable layer
 * dead-letters it. Binary mode is read in one pass over the application properties (the hot
 * path); it decodes exactly as core's generic codec (`isStructured` + `fromBinary` over a header
 * map) does — the property tests compare the two.
 */
export function decodeEvent(hub: string, partition: string, received: ReceivedEventData): Decoded {
  let body: Uint8Array | undefined;
  const key = typeof received.partitionKey === 'string' ? received.partitionKey : undefined;
  const time = received.enqueuedTimeUtc instanceof Date ? received.enqueuedTimeUtc : undefined;
  try {
    body = bodyBytes(received.body);
    const amqpContentType = typeof received.contentType === 'string' ? received.contentType : undefined;
    const a = readProperties(received.properties, amqpContentType);
    if (a.firstContentType?.toLowerCase().startsWith(STRUCTURED_CONTENT_TYPE)) {
      if (body === undefined) throw new Error('structured CloudEvent without a body');
      return { event: fromStructured(body, { key }) };
    }
    if (a.specversion !== undefined) {
      const mediaType = a.contentType ?? a.datacontenttype;
      const event = createEvent({
        id: a.id,
        source: a.source as string,
        type: a.type as string,
        specversion: a.specversion as '1.0',
        time: a.time,
        subject: a.subject,
        dataschema: a.dataschema,
        datacontenttype: mediaType,
        data: decodeBody(body, mediaType),
        key,
        extensions: a.extensions ?? {},
      });
      // On the wire `id` is required: a default id would make every redelivery a new event.
      if (a.id === undefined) throw new InvalidEventError('id', `${PROPERTY_PREFIX}id is missing`);
      return { event };
    }
    return {
      event: fromPlainMessage({
        body,
        contentType: amqpContentType,
        id: eventId(hub, partition, received.sequenceNumber),
        source: `/eventhubs/${hub}`,
        key,
        time,
      }),
    };
  } catch (err) {
    return undecodable(
      {
        body,
        id: eventId(hub, partition, received.sequenceNumber),
        source: `/eventhubs/${hub}`,
        key,
        time,
        attributes: stringProperties(received.properties),
      },
      err,
    );
  }
}

/** What the application properties (and the AMQP content type) of one event carry. */
interface Attributes {
  id?: string;
  source?: string;
  type?: string;
  specversion?: string;
  time?: string;
  subject?: string;
  dataschema?: string;
  datacontenttype?: string;
  extensions?: Record<string, string>;
  /** The content type a header map would show first (the structured-mode check). */
  firstContentType?: string;
  /** The content type a header map would show last (the binary-mode data's media type). */
  contentType?: string;
}

const CORE_ATTRIBUTE_NAMES = [
  'id',
  'source',
  'type',
  'specversion',
  'time',
  'subject',
  'dataschema',
  'datacontenttype',
] as const;
type CoreAttribute = (typeof CORE_ATTRIBUTE_NAMES)[number];
const IGNORED = 0;
const CORE = 1;
const EXTENSION = 2;
/** A property named content-type (any case, as a header map matches it): the data's media type. */
const CONTENT_TYPE_PROPERTY = 3;
interface PropertyRole {
  readonly code: number;
  /** The attribute name (lower case, prefix removed) of CORE and EXTENSION roles. */
  readonly attr: string;
  /** Whether the name is exactly `content-type` (the AMQP content type overwrites its value). */
  readonly exact: boolean;
}
const LOWER_PREFIX = PROPERTY_PREFIX.toLowerCase();
/** Property names repeat on every event: each is classified once (case-insensitively). */
const roles = new Map<string, PropertyRole>();

function propertyRole(name: string): PropertyRole {
  let role = roles.get(name);
  if (role === undefined) {
    const lower = name.toLowerCase();
    let code = IGNORED;
    let attr = '';
    if (lower === CONTENT_TYPE) code = CONTENT_TYPE_PROPERTY;
    else if (lower.startsWith(LOWER_PREFIX)) {
      attr = lower.slice(LOWER_PREFIX.length);
      code = (CORE_ATTRIBUTE_NAMES as readonly string[]).includes(attr) ? CORE : EXTENSION;
    }
    role = { code, attr, exact: name === CONTENT_TYPE };
    if (roles.size < 10_000) roles.set(name, role);
  }
  return role;
}

/**
 * One pass over the properties. Where names collide (two spellings of one attribute, several
 * content types), the later one wins, and the AMQP content type counts as a property named
 * `content-type` set after the others — as in a header map built from them.
 */
function readProperties(
  props: Record<string, unknown> | undefined,
  amqpContentType: string | undefined,
): Attributes {
  const a: Attributes = {};
  let exactSeen = false;
  if (props !== undefined && props !== null) {
    const names = Object.keys(props);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const role = propertyRole(name);
      if (role.code === IGNORED) continue;
      let text = propertyText(props[name]);
      if (text === undefined) continue;
      if (role.code === CORE) a[role.attr as CoreAttribute] = text;
      else if (role.code === EXTENSION) (a.extensions ??= {})[role.attr] = text;
      else {
        if (role.exact && amqpContentType !== undefined) {
          text = amqpContentType;
          exactSeen = true;
        }
        a.firstContentType ??= text;
        a.contentType = text;
      }
    }
  }
  if (amqpContentType !== undefined && !exactSeen) {
    a.firstContentType ??= amqpContentType;
    a.contentType = amqpContentType;
  }
  return a;
}

/** Whether a media type leaves the data as bytes (asked of core's decodeData once per type). */
const bytesTypes = new Map<string, boolean>();
function decodeBody(body: Uint8Array | undefined, mediaType: string | undefined): unknown {
  if (body === undefined || mediaType === undefined) return decodeData(body, mediaType);
  let asBytes = bytesTypes.get(mediaType);
  if (asBytes === undefined) {
    let probe: unknown;
    try {
      probe = decodeData(new Uint8Array(1), mediaType);
    } catch {
      probe = undefined; // JSON: parsing a zero byte fails
    }
    asBytes = probe instanceof Uint8Array;
    if (bytesTypes.size < 1_000) bytesTypes.set(mediaType, asBytes);
  }
  return asBytes ? body : decodeData(body, mediaType);
}

/** A received body as bytes: data sections as they are; value/sequence sections (other producers) as JSON. */
function bodyBytes(body: unknown): Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  let bytes: Uint8Array;
  if (body instanceof Uint8Array) bytes = body;
  else if (typeof body === 'string') bytes = Buffer.from(body, 'utf8');
  else bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return bytes.byteLength === 0
    ? undefined
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An application property as CloudEvents' canonical string form (AMQP-typed values from other producers). */
function propertyText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return undefined;
}

/** The application properties, as strings, as undecodable() keeps them for the dead letter. */
function stringProperties(properties: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(properties ?? {}))
    if (value !== undefined && value !== null)
      out[name] = value instanceof Date ? value.toISOString() : String(value);
  return out;
}

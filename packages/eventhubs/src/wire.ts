import type { EventData, ReceivedEventData } from '@azure/event-hubs';
import { binaryDecoder, fromPlainMessage, toBinary, undecodable, type Decoded } from '@eventport/core/driver';
import type { Event } from '@eventport/core/driver';

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
 * decoded comes back `undecodable` with the reason and its bytes (and its properties), and the
 * portable layer dead-letters it. CloudEvents go through core's one binding codec (one pass over
 * the properties, the AMQP content type counted as a `content-type` property set last).
 */
export function decodeEvent(hub: string, partition: string, received: ReceivedEventData): Decoded {
  let body: Uint8Array | undefined;
  let headers: Record<string, string> | undefined;
  const key = typeof received.partitionKey === 'string' ? received.partitionKey : undefined;
  const time = received.enqueuedTimeUtc instanceof Date ? received.enqueuedTimeUtc : undefined;
  try {
    body = bodyBytes(received.body);
    const contentType = typeof received.contentType === 'string' ? received.contentType : undefined;
    headers = headerMap(received.properties, contentType);
    const event = decoder.decode(headers, body, key, true);
    if (event !== undefined) return { event };
    return {
      event: fromPlainMessage({
        body,
        contentType,
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
        attributes: headers ?? headerMap(received.properties, undefined),
      },
      err,
    );
  }
}

const decoder = binaryDecoder(PROPERTY_PREFIX, CONTENT_TYPE);

/** The application properties as text headers, then the AMQP content type as `content-type` (it wins). */
function headerMap(
  props: Readonly<Record<string, unknown>> | undefined,
  contentType: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (props !== undefined && props !== null)
    for (const name of Object.keys(props)) {
      const text = propertyText(props[name]);
      // content-type in any spelling is one header (the later wins), as the decoder reads it; only a
      // 12-character name can lower-case to it, so other names skip toLowerCase
      if (text !== undefined) headers[isContentType(name) ? CONTENT_TYPE : name] = text;
    }
  if (contentType !== undefined) headers[CONTENT_TYPE] = contentType;
  return headers;
}

const isContentType = (name: string): boolean =>
  name.length === CONTENT_TYPE.length && name.toLowerCase() === CONTENT_TYPE;

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

import type { IHeaders, Message } from 'kafkajs';
import { binaryDecoder, fromPlainMessage, toBinary, undecodable, type Decoded } from '@eventport/core/driver';
import type { Event } from '@eventport/core/driver';

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
    if (v === undefined || v === null) continue;
    out[name] = typeof v === 'string' ? v : v.toString('utf8');
  }
  return out;
}

/** The coordinates of a record, used as the id of plain records. */
export function recordId(topic: string, partition: number, offset: string): string {
  return `${topic}/${partition}/${offset}`;
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

/** Core's binary-mode decoder for `ce_` headers (names classified once, repeated values decoded once). */
const CE = binaryDecoder(HEADER_PREFIX);

function decodeFields(
  topic: string,
  partition: number,
  record: FetchedRecord,
  key: string | undefined,
  body: Uint8Array | undefined,
): Event {
  const event = CE.decode(record.headers ?? NO_HEADERS, body, key, true);
  if (event !== undefined) return event;
  return plain(topic, partition, record, contentTypeOf(record.headers), key, body);
}

const NO_HEADERS: IHeaders = {};

/** The `content-type` header of a plain record (any case; the last value wins). */
function contentTypeOf(headers: IHeaders | undefined): string | undefined {
  let found: string | undefined;
  for (const [name, value] of Object.entries(headerStrings(headers))) {
    if (name.toLowerCase() === 'content-type') found = value;
  }
  return found;
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

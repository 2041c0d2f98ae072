import type { IHeaders, Message } from 'kafkajs';
import {
  createEvent,
  fromBinary,
  fromPlainMessage,
  fromStructured,
  isStructured,
  toBinary,
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
 * Decodes a fetched record. Never throws: a record whose CloudEvents attributes are invalid is
 * delivered as a plain event with a `decodeerror` extension saying why, so one bad record cannot
 * stall its partition.
 */
export function decodeRecord(topic: string, partition: number, record: FetchedRecord): Event {
  const headers = headerStrings(record.headers);
  const key = record.key === null ? undefined : record.key.toString('utf8');
  const body =
    record.value === null
      ? undefined
      : new Uint8Array(record.value.buffer, record.value.byteOffset, record.value.byteLength);
  try {
    if (isStructured(headers) && body !== undefined) return fromStructured(body, { key });
    const binary = fromBinary({ headers, body }, HEADER_PREFIX, { key });
    if (binary !== undefined) return binary;
    return plain(topic, partition, record, headers, key, body);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const base = plain(topic, partition, record, {}, key, body);
    return createEvent({ ...base, extensions: { decodeerror: reason.slice(0, 512) } });
  }
}

function plain(
  topic: string,
  partition: number,
  record: FetchedRecord,
  headers: Record<string, string>,
  key: string | undefined,
  body: Uint8Array | undefined,
): Event {
  let contentType: string | undefined;
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === 'content-type') contentType = value;
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

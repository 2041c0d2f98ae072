import { randomUUID } from 'node:crypto';
import { replaceNonCloudEventsCharacters } from '../event/attribute-checks.js';
import { createEvent } from '../event/create-event.js';
import type { Event } from '../event/types.js';

/** What a decoder knows of a message it could not turn into an event. */
export interface RawMessage {
  readonly body: Uint8Array | undefined;
  /** An id from the broker's own coordinates (topic, partition, offset; message id). */
  readonly id: string;
  /** A source naming where the message came from, e.g. `/kafka/orders`. */
  readonly source: string;
  readonly key?: string;
  readonly time?: Date;
  /**
   * The message's headers or attributes as the broker delivered them (string values). Kept on the
   * wrapper as one extension, `rawattributes` (a JSON object, at most 8 KiB: attributes that do not
   * fit are left out and counted under `"…"`), so whoever reads the dead letter sees what broke.
   */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A decoder's result: the event, and why it is only a wrapper when the message was poison. */
export interface Decoded {
  readonly event: Event;
  /**
   * Set when the message could not be decoded: `event` then wraps the raw bytes
   * (type `eventport.undecodable`, `application/octet-stream`), and the portable layer
   * dead-letters it with this reason without running the handler.
   */
  readonly undecodable?: string;
}

export const UNDECODABLE_TYPE = 'eventport.undecodable';
/** The extension carrying an undecodable message's raw attributes (JSON). */
export const RAW_ATTRIBUTES_EXTENSION = 'rawattributes';
const MAX_RAW_ATTRIBUTES = 8 * 1024;
const MAX_REASON = 512;

/**
 * Wraps a message no decoder could read (broken CloudEvents headers, invalid JSON in structured
 * mode, an unknown specversion, wrong-typed attributes) as an event that carries its bytes
 * unchanged, with the reason. Never throws: identifiers are sanitised, and if the broker's own
 * coordinates are unusable a fresh id is used.
 */
export function undecodable(raw: RawMessage, error: unknown): Decoded {
  const reason = describe(error);
  const key = raw.key === undefined ? undefined : replaceNonCloudEventsCharacters(raw.key, '\ufffd');
  const body = raw.body !== undefined && raw.body.byteLength > 0 ? raw.body : undefined;
  const time = raw.time !== undefined && !Number.isNaN(raw.time.getTime()) ? raw.time : undefined;
  try {
    const event = createEvent({
      id: clean(raw.id) || randomUUID(),
      source: encodeURI(clean(raw.source)) || '/eventport/undecodable',
      type: UNDECODABLE_TYPE,
      datacontenttype: body !== undefined ? 'application/octet-stream' : undefined,
      data: body,
      key,
      time,
      extensions: rawAttributes(raw.attributes),
    });
    return { event, undecodable: reason };
  } catch {
    const event = createEvent({
      id: randomUUID(),
      source: '/eventport/undecodable',
      type: UNDECODABLE_TYPE,
      data: body,
    });
    return { event, undecodable: reason };
  }
}

/** The attributes as one JSON extension within the size budget; undefined when there are none. */
function rawAttributes(attributes: RawMessage['attributes']): Record<string, string> | undefined {
  if (attributes === undefined || attributes === null || typeof attributes !== 'object') return undefined;
  const kept: Record<string, string> = {};
  let size = 2;
  let dropped = 0;
  for (const [rawName, value] of Object.entries(attributes)) {
    const text = replaceNonCloudEventsCharacters(typeof value === 'string' ? value : String(value), '\ufffd');
    const name = replaceNonCloudEventsCharacters(rawName, '\ufffd');
    const entry = JSON.stringify(name).length + JSON.stringify(text).length + 2;
    if (size + entry > MAX_RAW_ATTRIBUTES) {
      dropped++;
      continue;
    }
    kept[name] = text;
    size += entry;
  }
  if (dropped > 0) kept['…'] = `${dropped} more not kept`;
  if (Object.keys(kept).length === 0) return undefined;
  return { [RAW_ATTRIBUTES_EXTENSION]: JSON.stringify(kept) };
}

function clean(text: string): string {
  return typeof text === 'string' ? replaceNonCloudEventsCharacters(text, '') : '';
}

function describe(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? error.message : String(error);
  } catch {
    text = 'undecodable message';
  }
  // slicing may split a surrogate pair: the cut half is replaced too
  return replaceNonCloudEventsCharacters(
    replaceNonCloudEventsCharacters(text, '?').slice(0, MAX_REASON),
    '?',
  );
}

import type { Event } from '@eventport/core/driver';
import { InvalidEventError, undecodable, type Decoded } from '@eventport/core/driver';
import { eventFromStructured } from './structured-decoder.js';
import { encodeStructured, structuredBatch } from './structured-encoder.js';

/**
 * Event Grid's wire format is CloudEvents 1.0 in structured JSON: every attribute, extensions
 * included, is a member of the event object. EventPort's `key` travels as the CloudEvents
 * partitioning extension `partitionkey` (so an event's own extension of that name is refused
 * at send: it would come back as the key).
 */
export const KEY_EXTENSION = 'partitionkey';

const encoder = new TextEncoder();

/**
 * One event as structured CloudEvents JSON (binary data as `data_base64`), with the key as
 * `partitionkey`. @throws InvalidEventError when the event has an extension named `partitionkey`.
 */
export function encodeEvent(event: Event): Uint8Array {
  // one event's batch without its brackets
  return new Uint8Array(structuredBatch([encodeStructured(event, KEY_EXTENSION)]).subarray(1, -1));
}

/** A JSON array of encoded events (`application/cloudevents-batch+json`). */
export function batchBody(encoded: readonly Uint8Array[]): Uint8Array {
  let size = 1 + Math.max(0, encoded.length - 1) + 1;
  for (const e of encoded) size += e.byteLength;
  const out = new Uint8Array(size);
  out[0] = 0x5b; // [
  let at = 1;
  encoded.forEach((e, i) => {
    if (i > 0) out[at++] = 0x2c; // ,
    out.set(e, at);
    at += e.byteLength;
  });
  out[at] = 0x5d; // ]
  return out;
}

/** Where a received event came from, for the wrapper of one that cannot be decoded. */
export interface Origin {
  readonly topic: string;
  readonly subscription: string;
  readonly lockToken: string;
}

/**
 * Decodes one received CloudEvent (the `event` member of a receive answer). Never throws: an
 * event that is not a valid CloudEvent for EventPort is wrapped by `undecodable()` with its JSON
 * bytes and the reason, and the portable layer dead-letters it.
 */
export function decodeEvent(raw: unknown, origin: Origin): Decoded {
  try {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new InvalidEventError('event', 'a received event must be a JSON object');
    }
    const doc = raw as Record<string, unknown>;
    const key = doc[KEY_EXTENSION];
    if (key !== undefined && typeof key !== 'string') {
      throw new InvalidEventError(KEY_EXTENSION, `must be a string, got ${typeof key}`);
    }
    // decoded from the parsed answer as it is, not serialized again nor copied
    return { event: eventFromStructured(doc, key, KEY_EXTENSION) };
  } catch (err) {
    const id = (raw as { id?: unknown } | null)?.id;
    return undecodable(
      {
        body: encoder.encode(JSON.stringify(raw) ?? ''),
        id: typeof id === 'string' ? id : `${origin.subscription}:${origin.lockToken}`,
        source: `/eventgrid/${origin.topic}/${origin.subscription}`,
      },
      err,
    );
  }
}

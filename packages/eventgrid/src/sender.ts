import type { Event } from '@eventport/core/driver';
import {
  ClosedError,
  isEventPortError,
  type DriverSender,
  type OutgoingEvent,
  type RequestLimits,
  type SendOutcome,
} from '@eventport/core/driver';
import { MAX_REQUEST_BYTES } from './capabilities.js';
import { encodeStructured, type EncodedEvent } from './structured-encoder.js';
import { KEY_EXTENSION } from './wire.js';

/** Where a sender's requests go: a namespace topic (thin client) or a basic topic (publisher client). */
export interface PublishTarget {
  /** The topic as named in errors. */
  readonly name: string;
  /** Events per publish request the service accepts. */
  readonly maxEvents: number;
  /** Publishes one request's events; throws an EventPortError (mapped) when the request fails. */
  publish(events: readonly Event[], encoded: readonly EncodedEvent[]): Promise<void>;
}

/** Publish requests one batch runs at once (Event Grid does not order, so requests may overlap). */
const REQUESTS_IN_FLIGHT = 4;

/**
 * Publishes one request per `send`. The sender declares the service's limits (1 MB per request,
 * counted as a JSON array: 2 bytes of brackets, each event's encoding plus a separator, and
 * `maxEvents` per request); the portable layer cuts batches to them, up to four requests at
 * once, and fails an event too large for a request on its own with EventTooLargeError before the
 * network. A failed request fails its entries only (Event Grid stores a request's events all or
 * none). Each event is encoded once: measuring caches the encoding that `send` then uses.
 */
export class EventGridSender implements DriverSender {
  readonly requestLimits: RequestLimits;
  readonly #encoded = new WeakMap<Event, EncodedEvent>();
  #closed = false;

  constructor(private readonly target: PublishTarget) {
    this.requestLimits = {
      maxEntries: target.maxEvents,
      maxBytes: MAX_REQUEST_BYTES - 2,
      concurrency: REQUESTS_IN_FLIGHT,
      entrySize: (event) => this.#encode(event).byteLength + 1,
    };
  }

  async send(request: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.#closed) throw new ClosedError(`sender for topic "${this.target.name}"`);
    const events = request.map((o) => o.event);
    const encoded = events.map((event) => this.#encode(event));
    try {
      await this.target.publish(events, encoded);
    } catch (err) {
      const error = isEventPortError(err) ? err : (err as Error);
      return request.map(() => ({ ok: false, error }));
    }
    return request.map(() => ({ ok: true, receipt: {} }));
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #encode(event: Event): EncodedEvent {
    let encoded = this.#encoded.get(event);
    if (encoded === undefined) {
      encoded = encodeStructured(event, KEY_EXTENSION);
      this.#encoded.set(event, encoded);
    }
    return encoded;
  }
}

import type { Event } from '@eventport/core';
import {
  ClosedError,
  EventTooLargeError,
  isEventPortError,
  type DriverSender,
  type OutgoingEvent,
  type SendOutcome,
} from '@eventport/core/driver';
import { MAX_REQUEST_BYTES } from './capabilities.js';
import { encodeEvent } from './wire.js';

/** Where a sender's requests go: a namespace topic (thin client) or a basic topic (publisher client). */
export interface PublishTarget {
  /** The topic as named in errors. */
  readonly name: string;
  /** Events per publish request the service accepts. */
  readonly maxEvents: number;
  /** Publishes one request's events; throws an EventPortError (mapped) when the request fails. */
  publish(events: readonly Event[], encoded: readonly Uint8Array[]): Promise<void>;
}

/** Publish requests one send runs at once (Event Grid does not order, so requests may overlap). */
const REQUESTS_IN_FLIGHT = 4;

/**
 * Sends a batch as few publish requests as the service's limits allow (1 MB and
 * `maxEvents` per request), up to four at once. An event too large for a request on its own
 * fails alone with EventTooLargeError, before the network; a failed request fails its entries
 * only (Event Grid stores a request's events all or none).
 */
export class EventGridSender implements DriverSender {
  #closed = false;

  constructor(private readonly target: PublishTarget) {}

  async send(batch: readonly OutgoingEvent[]): Promise<SendOutcome[]> {
    if (this.#closed) throw new ClosedError(`sender for topic "${this.target.name}"`);
    const outcomes: (SendOutcome | undefined)[] = new Array(batch.length);
    const requests: { at: number[]; events: Event[]; encoded: Uint8Array[]; bytes: number }[] = [];
    let current: (typeof requests)[number] | undefined;
    batch.forEach(({ event }, i) => {
      let encoded: Uint8Array;
      try {
        encoded = encodeEvent(event);
      } catch (err) {
        outcomes[i] = { ok: false, error: err as Error };
        return;
      }
      if (encoded.byteLength + 2 > MAX_REQUEST_BYTES) {
        outcomes[i] = {
          ok: false,
          error: new EventTooLargeError(encoded.byteLength, MAX_REQUEST_BYTES - 2, event.id),
        };
        return;
      }
      if (
        current === undefined ||
        current.events.length >= this.target.maxEvents ||
        current.bytes + encoded.byteLength + 1 > MAX_REQUEST_BYTES
      ) {
        current = { at: [], events: [], encoded: [], bytes: 2 };
        requests.push(current);
      }
      current.at.push(i);
      current.events.push(event);
      current.encoded.push(encoded);
      current.bytes += encoded.byteLength + 1;
    });
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const request = requests[next++]!;
        let outcome: SendOutcome;
        try {
          await this.target.publish(request.events, request.encoded);
          outcome = { ok: true, receipt: {} };
        } catch (err) {
          outcome = { ok: false, error: isEventPortError(err) ? err : (err as Error) };
        }
        for (const i of request.at) outcomes[i] = outcome;
      }
    };
    await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, requests.length) }, worker));
    return outcomes as SendOutcome[];
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
